/// `a/b/c.txt` → `a/b`, `c.txt` → `.`, `/c` → `/`; trailing slashes are ignored.
public func parentDirectory(of path: String) -> String {
  var p = Substring(path)
  while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
  guard let slash = p.lastIndex(of: "/") else { return "." }
  if slash == p.startIndex { return "/" }
  return String(p[..<slash])
}

/// `a/b` + `c` → `a/b/c`.
public func joinPath(_ directory: String, _ name: String) -> String {
  directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
