import Glibc
import Testing
import FileIO

@Suite struct FileIOTests {
  func scratchDirectory() throws -> String {
    var template = Array("/tmp/fileio-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    #expect(made != nil)
    return String(cString: made!)
  }

  @Test func atomicWriteThenReadBack() throws {
    let dir = try scratchDirectory()
    let path = dir + "/data.bin"
    let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    try writeFileAtomically(path, bytes: bytes)
    #expect(try readFile(path) == bytes)
    try writeFileAtomically(path, text: "replaced")
    #expect(try readFile(path) == Array("replaced".utf8))
    // Nothing but the file itself is left in the directory (no temporary files).
    #expect(try listDirectory(dir) == ["data.bin"])
  }

  @Test func errorsNameThePath() throws {
    let dir = try scratchDirectory()
    #expect(throws: FileError.notFound(path: dir + "/missing")) { try readFile(dir + "/missing") }
    #expect(throws: FileError.isDirectory(path: dir)) { try readFile(dir) }
    try writeFileAtomically(dir + "/big", bytes: [1, 2, 3, 4])
    #expect(throws: FileError.tooLarge(path: dir + "/big", bytes: 4, limit: 3)) { try readFile(dir + "/big", limit: 3) }
    #expect(throws: FileError.self) { try writeFileAtomically(dir + "/no/such/dir/file", bytes: [1]) }
    #expect(FileError.notFound(path: "x").description == "x: no such file")
  }

  @Test func makeDirectoriesCreatesParents() throws {
    let dir = try scratchDirectory()
    try makeDirectories(dir + "/a/b/c")
    #expect(directoryExists(dir + "/a/b/c"))
    try makeDirectories(dir + "/a/b/c")
    #expect(pathKind(dir + "/a/b") == .directory && pathKind(dir + "/nope") == .missing)
  }
}

@Suite struct FilePathTests {
  @Test func pathHelpers() {
    #expect(parentDirectory(of: "a/b/c.txt") == "a/b")
    #expect(parentDirectory(of: "c.txt") == ".")
    #expect(parentDirectory(of: "/c") == "/")
    #expect(parentDirectory(of: "a/b/") == "a")
    #expect(joinPath("a/", "b") == "a/b")
    #expect(joinPath("a", "b") == "a/b")
  }

  @Test func listingIsSortedByBytesAndRemoveWorks() throws {
    var template = Array("/tmp/fileio-list-XXXXXX".utf8CString)
    let dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    for name in ["b.txt", "a.txt", "B.txt"] { try writeFileAtomically(joinPath(dir, name), text: name) }
    try makeDirectories(joinPath(dir, "a"))
    #expect(try listDirectory(dir) == ["B.txt", "a", "a.txt", "b.txt"])
    removeFile(joinPath(dir, "b.txt"))
    #expect(!fileExists(joinPath(dir, "b.txt")) && fileExists(joinPath(dir, "a.txt")))
  }
}
