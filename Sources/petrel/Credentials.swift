import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PetrelServer

struct Credentials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the account root's access key (created by the first `petrel serve`), as shell exports and an AWS CLI profile.")

    @Option(name: .customLong("data-dir"), help: "The server's data directory.") var dataDir = ".petrel"
    @Option(help: "The AWS CLI profile name to print.") var profile = "petrel"
    @Option(help: "Another account's root key (one the server was started with --other-account for).") var account: String?
    @Flag(name: .customLong("console-link"), help: "Print a link that opens the console signed in with this key (for --iam enforce).")
    var consoleLink = false

    func run() async throws {
        let file: RootCredentials.File
        do {
            file = try RootCredentials.read(dataDirectory: URL(fileURLWithPath: dataDir), account: account)
        } catch {
            if let account {
                throw ValidationError("No root credentials for account \(account) in \(dataDir): start the server with `--other-account \(account)`.")
            }
            throw ValidationError("No root credentials in \(dataDir): start the server once with `petrel serve --data-dir \(dataDir)`.")
        }
        if consoleLink {
            print(RootCredentials.consoleLink(file))
            return
        }
        print(RootCredentials.describe(file, profile: profile))
    }
}

struct IAM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "iam", abstract: "Identity and access.", subcommands: [Audit.self])

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What --iam enforce would have refused, and the least-privilege policy each principal would need.")

        @Option(help: "The server's endpoint.") var endpoint = ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"] ?? "http://127.0.0.1:4566"
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let data = try await ServerReport.fetch(endpoint, path: "/_petrel/iam/audit")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let report = try ServerReport.object(data, from: endpoint)
            let findings = report["findings"] as? [[String: String]] ?? []
            if findings.isEmpty { print("No findings: enforce would have refused nothing so far.") }
            for finding in findings {
                print("\(finding["principal"] ?? "?") \(finding["action"] ?? "?") on \(finding["resource"] ?? "?"): \(finding["error"] ?? "?") (\(finding["reason"] ?? ""))")
            }
            let policies = report["policies"] as? [String: String] ?? [:]
            for (principal, policy) in policies.sorted(by: { $0.key < $1.key }) {
                print("\nLeast-privilege policy for \(principal):\n\(policy)")
            }
        }
    }
}
