#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// The function runs as its own user, not root; its code must be readable by that user, as on
/// AWS. Zips made with Python's `zipfile.writestr` carry mode 0600, which AWS would refuse
/// with EACCES; Petrel, like LocalStack, accepts them: the first launch of a code tree adds
/// read (and, where the owner may execute, execute) permission for everyone, once per tree.
/// (This belongs in the code store at extraction; it is here until it is there.)
public enum CodeAccess {
    private static let done = Mutex<Set<String>>([])

    public static func makeReadable(_ directory: String) {
        guard !done.withLock({ $0.contains(directory) }) else { return }
        var stack = [directory]
        while let path = stack.popLast() {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            guard type == S_IFDIR || type == S_IFREG else { continue }
            let wanted = permissions(mode: info.st_mode & 0o7777, isDirectory: type == S_IFDIR)
            if wanted != info.st_mode & 0o7777 { chmod(path, wanted) }
            if type == S_IFDIR {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                    stack.append(path + "/" + entry)
                }
            }
        }
        done.withLock { _ = $0.insert(directory) }
    }

    /// Read for all; execute for all on directories and where the owner may execute (pure).
    static func permissions(mode: mode_t, isDirectory: Bool) -> mode_t {
        var result = mode | 0o444
        if isDirectory || mode & 0o100 != 0 { result |= 0o111 }
        return result
    }
}
