import Testing
@testable import NN
