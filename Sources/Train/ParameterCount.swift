import NN

/// Trainable parameters of the deployed evaluation network (auxiliary head excluded, as the references count
/// "param size"), built without the auxiliary head so that any input size that halves twice is accepted.
public func inferenceParameterCount(genotype: Genotype, shape: NetworkShape, initChannels: Int, layers: Int) throws
  -> Int {
  try EvaluationNetwork(genotype: genotype, shape: shape, initChannels: initChannels, layers: layers,
                        auxiliary: false, seed: 0).inferenceParameterCount
}
