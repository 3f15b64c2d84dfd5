import Foundation
import ZIPFoundation

/// A gzip member (RFC 1952) around ZIPFoundation's raw deflate.
enum Gzip {
    static func compress(_ data: Data) throws -> Data {
        var deflated = Data()
        let crc = try Data.compress(size: Int64(data.count), bufferSize: 64 * 1024, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { deflated.append($0) })
        var out = Data([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])
        out.append(deflated)
        for value in [UInt32(crc), UInt32(truncatingIfNeeded: data.count)] {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }
}

import Crypto

/// A log file's S3 ETag (its MD5, quoted).
public enum LogFileETag {
    public static func of(_ data: Data) -> String {
        "\"" + Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined() + "\""
    }
}
