import Foundation

/// What AWS charges for Lambda, per architecture, and the monthly free tier. The defaults are
/// AWS's public list prices for us-east-1 (checked 2026-12); `petrel serve --price-table FILE`
/// replaces any part of them with a JSON file of the same shape (`GET /_petrel/usage/prices`).
public struct PriceTable: Codable, Sendable, Equatable {
    /// One step of a tiered duration price: GB-seconds a month up to `upToGBSeconds` (nil: the rest).
    public struct Tier: Codable, Sendable, Equatable {
        public var upToGBSeconds: Double?
        public var pricePerGBSecond: Double

        public init(upToGBSeconds: Double?, pricePerGBSecond: Double) {
            self.upToGBSeconds = upToGBSeconds
            self.pricePerGBSecond = pricePerGBSecond
        }
    }

    public struct Architecture: Codable, Sendable, Equatable {
        public var requestsPerMillion: Double
        /// On-demand duration, in ascending tiers of monthly GB-seconds.
        public var durationTiers: [Tier]
        /// Provisioned concurrency: for the time it is configured, and for the invocations it runs.
        public var provisionedConcurrencyPerGBSecond: Double
        public var provisionedDurationPerGBSecond: Double
        /// Ephemeral storage configured above the free 512 MB, per GB-second of billed duration.
        public var ephemeralStoragePerGBSecond: Double

        public init(requestsPerMillion: Double, durationTiers: [Tier], provisionedConcurrencyPerGBSecond: Double,
                    provisionedDurationPerGBSecond: Double, ephemeralStoragePerGBSecond: Double) {
            self.requestsPerMillion = requestsPerMillion
            self.durationTiers = durationTiers
            self.provisionedConcurrencyPerGBSecond = provisionedConcurrencyPerGBSecond
            self.provisionedDurationPerGBSecond = provisionedDurationPerGBSecond
            self.ephemeralStoragePerGBSecond = ephemeralStoragePerGBSecond
        }

        /// The first tier's price: what a function's own usage is priced at before the free tier.
        public var listPricePerGBSecond: Double { durationTiers.first?.pricePerGBSecond ?? 0 }
    }

    public struct FreeTier: Codable, Sendable, Equatable {
        public var requests: Double
        public var gbSeconds: Double

        public init(requests: Double, gbSeconds: Double) {
            self.requests = requests
            self.gbSeconds = gbSeconds
        }
    }

    public var region: String
    public var currency: String
    public var architectures: [String: Architecture]
    /// Per month, shared by every architecture; on-demand requests and duration only.
    public var freeTier: FreeTier

    public init(region: String, currency: String, architectures: [String: Architecture], freeTier: FreeTier) {
        self.region = region
        self.currency = currency
        self.architectures = architectures
        self.freeTier = freeTier
    }

    /// AWS's list prices for us-east-1 (aws.amazon.com/lambda/pricing).
    public static let awsUSEast1 = PriceTable(
        region: "us-east-1", currency: "USD",
        architectures: [
            "x86_64": Architecture(
                requestsPerMillion: 0.20,
                durationTiers: [Tier(upToGBSeconds: 6e9, pricePerGBSecond: 0.0000166667),
                                Tier(upToGBSeconds: 15e9, pricePerGBSecond: 0.0000150000),
                                Tier(upToGBSeconds: nil, pricePerGBSecond: 0.0000133334)],
                provisionedConcurrencyPerGBSecond: 0.0000041667, provisionedDurationPerGBSecond: 0.0000097222,
                ephemeralStoragePerGBSecond: 0.0000000309),
            "arm64": Architecture(
                requestsPerMillion: 0.20,
                durationTiers: [Tier(upToGBSeconds: 7.5e9, pricePerGBSecond: 0.0000133334),
                                Tier(upToGBSeconds: 18.75e9, pricePerGBSecond: 0.0000120001),
                                Tier(upToGBSeconds: nil, pricePerGBSecond: 0.0000106667)],
                provisionedConcurrencyPerGBSecond: 0.0000033334, provisionedDurationPerGBSecond: 0.0000077778,
                ephemeralStoragePerGBSecond: 0.0000000309),
        ],
        freeTier: FreeTier(requests: 1_000_000, gbSeconds: 400_000))

    /// The prices of `architecture`, or x86_64's for one the table does not name.
    public func prices(_ architecture: String) -> Architecture {
        architectures[architecture] ?? architectures["x86_64"] ?? architectures.values.first
            ?? Architecture(requestsPerMillion: 0, durationTiers: [], provisionedConcurrencyPerGBSecond: 0,
                            provisionedDurationPerGBSecond: 0, ephemeralStoragePerGBSecond: 0)
    }

    /// A file's overrides: any top-level key it has replaces the default's (an architecture
    /// entry replaces that architecture's prices whole).
    struct Override: Decodable {
        var region: String?
        var currency: String?
        var architectures: [String: Architecture]?
        var freeTier: FreeTier?
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String, String)

        public var description: String {
            switch self {
            case .unreadable(let path, let why): "Price table \(path) is not usable: \(why)"
            }
        }
    }

    /// `base` with the file's overrides applied.
    public static func load(_ data: Data, over base: PriceTable = .awsUSEast1, path: String = "price table") throws -> PriceTable {
        let override: Override
        do {
            override = try JSONDecoder().decode(Override.self, from: data)
        } catch {
            throw LoadError.unreadable(path, "\(error)")
        }
        var table = base
        if let region = override.region { table.region = region }
        if let currency = override.currency { table.currency = currency }
        if let freeTier = override.freeTier { table.freeTier = freeTier }
        for (name, prices) in override.architectures ?? [:] {
            guard !prices.durationTiers.isEmpty, prices.durationTiers.last?.upToGBSeconds == nil else {
                throw LoadError.unreadable(path, "architecture \(name): durationTiers must end with a tier without upToGBSeconds")
            }
            table.architectures[name] = prices
        }
        return table
    }
}
