import Testing
import Datasets
