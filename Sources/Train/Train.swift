// Module Train: placeholder until the training change lands.
