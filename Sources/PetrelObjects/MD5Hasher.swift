import Crypto

/// Insecure.MD5 behind a Sendable value (ETags are MD5s; nothing secret depends on them).
struct MD5Hasher: @unchecked Sendable {
    private var hasher = Insecure.MD5()
    mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    func finalize() -> [UInt8] { Array(hasher.finalize()) }
}
