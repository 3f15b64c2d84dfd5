import Foundation
@testable import PetrelSandbox
import Testing

@Suite struct EtcSnapshotTests {
    @Test func copiesWhatProgramsNeedAndNothingElse() throws {
        let base = NSTemporaryDirectory() + "petrel-etc-test-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let snapshot = EtcSnapshot(base: base)
        let directory = try snapshot.directory()
        #expect(try snapshot.directory() == directory, "unchanged sources: the same copy")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(names.contains("passwd") && names.contains("group"))
        #expect(try String(contentsOfFile: directory + "/passwd", encoding: .utf8) == BubblewrapCommand.passwd)
        #expect(!names.contains("shadow") && !names.contains("sudoers"))
        if FileManager.default.fileExists(atPath: "/etc/resolv.conf") {
            #expect(FileManager.default.contents(atPath: directory + "/resolv.conf") == FileManager.default.contents(atPath: "/etc/resolv.conf"))
        }
        if FileManager.default.fileExists(atPath: "/etc/ssl/private") {
            #expect(!FileManager.default.fileExists(atPath: directory + "/ssl/private"), "TLS keys stay on the host")
        }
        if FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt") {
            #expect(FileManager.default.isReadableFile(atPath: directory + "/ssl/certs/ca-certificates.crt"))
        }
    }
}
