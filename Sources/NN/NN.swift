// Module NN: see the issue tracker; filled by later changes.
