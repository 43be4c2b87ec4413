// Module Datasets: see the issue tracker; filled by later changes.
