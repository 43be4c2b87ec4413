import Testing
@testable import CLIKit

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FileSystemTests {
  private func scratchDirectory(_ name: String) throws -> String {
    let path = "/tmp/clikit-test-\(getpid())-\(name)"
    try FileSystem.makeDirectory(path)
    return path
  }

  private func removeTree(_ path: String) {
    if FileSystem.isDirectory(path) {
      for name in (try? FileSystem.listDirectory(path)) ?? [] { removeTree(FileSystem.join(path, name)) }
      rmdir(path)
    } else {
      unlink(path)
    }
  }

  @Test func atomicWriteLeavesNoTemporaryFile() throws {
    let dir = try scratchDirectory("atomic")
    defer { removeTree(dir) }
    let path = FileSystem.join(dir, "out.json")
    try FileSystem.writeFileAtomically(path, text: "first\n")
    try FileSystem.writeFileAtomically(path, [0, 1, 2, 255])
    #expect(try FileSystem.readFile(path) == [0, 1, 2, 255])
    #expect(try FileSystem.listDirectory(dir) == ["out.json"])
    // Into a missing directory: a clear error and still no stray file.
    let missing = FileSystem.join(dir, "no/such/out.json")
    #expect(throws: CLIError.fileError(path: missing + ".tmp-\(getpid())", operation: "create", errno: ENOENT)) {
      try FileSystem.writeFileAtomically(missing, [1])
    }
    #expect(try FileSystem.listDirectory(dir) == ["out.json"])
  }

  @Test func readErrors() throws {
    #expect(throws: CLIError.fileError(path: "/nonexistent/x", operation: "open", errno: ENOENT)) {
      try FileSystem.readFile("/nonexistent/x")
    }
    #expect(throws: CLIError.fileError(path: "/tmp", operation: "read", errno: EISDIR)) {
      try FileSystem.readFile("/tmp")
    }
  }

  @Test func directories() throws {
    let dir = try scratchDirectory("dirs")
    defer { removeTree(dir) }
    let deep = FileSystem.join(dir, "a/b/c")
    try FileSystem.makeDirectory(deep)
    try FileSystem.makeDirectory(deep)  // already there: fine
    #expect(FileSystem.isDirectory(deep))
    #expect(throws: CLIError.fileError(path: deep, operation: "mkdir", errno: EEXIST)) {
      try FileSystem.makeDirectory(deep, intermediate: false)
    }
    for name in ["b.txt", "a.txt", "B.txt"] { try FileSystem.writeFileAtomically(FileSystem.join(dir, name), text: name) }
    #expect(try FileSystem.listDirectory(dir) == ["B.txt", "a", "a.txt", "b.txt"])
    #expect(FileSystem.fileExists(FileSystem.join(dir, "a.txt")))
    #expect(!FileSystem.fileExists(FileSystem.join(dir, "zzz")))
    #expect(try FileSystem.readText(FileSystem.join(dir, "b.txt")) == "b.txt")
    try FileSystem.removeFile(FileSystem.join(dir, "b.txt"))
    #expect(!FileSystem.fileExists(FileSystem.join(dir, "b.txt")))
  }

  @Test func pathHelpers() {
    #expect(FileSystem.parentDirectory(of: "a/b/c.txt") == "a/b")
    #expect(FileSystem.parentDirectory(of: "c.txt") == ".")
    #expect(FileSystem.parentDirectory(of: "/c") == "/")
    #expect(FileSystem.parentDirectory(of: "a/b/") == "a")
    #expect(FileSystem.join("a/", "b") == "a/b")
    #expect(FileSystem.join("a", "b") == "a/b")
  }

  @Test func environment() {
    #expect(Environment.value("PATH") != nil)
    #expect(Environment.value("CLIKIT_SURELY_UNSET_VARIABLE") == nil)
    let t0 = Environment.monotonicSeconds()
    #expect(Environment.monotonicSeconds() >= t0)
  }
}
