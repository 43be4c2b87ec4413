import Synchronization
import Testing
@testable import NASKernels

/// Runs one region and returns the ranges `body` saw, sorted by lower bound.
private func rangesSeen(_ n: Int, threads: Int) -> [Range<Int>] {
  let seen = Mutex<[Range<Int>]>([])
  concurrentRanges(n, threads: threads) { range in seen.withLock { $0.append(range) } }
  return seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
}

/// The split `concurrentRanges` promises: min(threads, n) contiguous ranges, sizes differing by at most 1.
private func expectedRanges(_ n: Int, threads: Int) -> [Range<Int>] {
  if n == 0 { return [] }
  let parts = max(1, min(threads, n))
  return (0..<parts).map { (n * $0 / parts)..<(n * ($0 + 1) / parts) }
}

@Suite(.serialized) struct ConcurrentRangesTests {
  @Test(arguments: [0, 1, 2, 3, 7, 64, 1000, 4099])
  func rangesCoverEveryIndexOnce(n: Int) {
    for threads in [-1, 0, 1, 2, 3, 4, 5, 8, 16, 100] {
      let ranges = rangesSeen(n, threads: threads)
      #expect(ranges == expectedRanges(n, threads: threads), "n \(n) threads \(threads): \(ranges)")
      #expect(ranges.allSatisfy { !$0.isEmpty }, "n \(n) threads \(threads): empty range in \(ranges)")
    }
  }

  @Test func manyConsecutiveRegionsEachRunEveryRangeOnce() {
    // Back-to-back regions race helpers that wake late against the next region's ticket.
    var counts = [Int](repeating: 0, count: 37)
    counts.withUnsafeMutableBufferPointer { counts in
      let base = counts.baseAddress!
      for _ in 0..<5000 {
        concurrentRanges(37, threads: 3) { range in for i in range { base[i] += 1 } }
      }
    }
    #expect(counts.allSatisfy { $0 == 5000 }, "per-index run counts \(counts)")
  }

  @Test func nestedCallsRunInlineAndComplete() {
    let n = 23, inner = 11
    var cells = [Int](repeating: 0, count: n * inner)
    cells.withUnsafeMutableBufferPointer { cells in
      let base = cells.baseAddress!
      concurrentRanges(n, threads: 4) { outer in
        for row in outer {
          concurrentRanges(inner, threads: 4) { columns in for column in columns { base[row * inner + column] += 1 } }
        }
      }
    }
    #expect(cells.allSatisfy { $0 == 1 }, "cells run \(cells.filter { $0 != 1 }.count) times != 1")
  }

  @Test func callsFromSeveralThreadsDoNotInterfere() async {
    // Concurrent regions: one gets the pool, the others run inline; each must still see its own split.
    let failures = await withTaskGroup(of: Int.self) { group in
      for task in 0..<6 {
        group.addTask {
          var bad = 0
          for round in 0..<300 {
            let n = 1 + (task * 31 + round * 7) % 97, threads = 1 + (task + round) % 5
            if rangesSeen(n, threads: threads) != expectedRanges(n, threads: threads) { bad += 1 }
          }
          return bad
        }
      }
      return await group.reduce(0, +)
    }
    #expect(failures == 0)
  }

  @Test func resultIsIndependentOfThreadCount() {
    // Each index writes its own cell; the sum is then taken in one fixed order.
    func checksum(threads: Int) -> Float {
      var values = [Float](repeating: 0, count: 1001)
      values.withUnsafeMutableBufferPointer { values in
        let base = values.baseAddress!
        concurrentRanges(1001, threads: threads) { range in
          for i in range { base[i] = Float(i).squareRoot() * 0.1 + 1 / Float(i + 1) }
        }
      }
      return values.reduce(0, +)
    }
    let reference = checksum(threads: 1)
    for threads in 2...9 { #expect(checksum(threads: threads) == reference, "threads \(threads)") }
  }
}
