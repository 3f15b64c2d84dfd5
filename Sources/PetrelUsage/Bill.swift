/// A month's usage priced as AWS prices it. Pure: the same lines and table give the same bill.
public struct Bill: Sendable, Equatable {
    public var requests = 0
    /// On-demand GB-seconds (what the free tier's 400,000 covers).
    public var gbSeconds = 0.0
    public var provisionedExecutionGBSeconds = 0.0
    public var provisionedAllocationGBSeconds = 0.0
    public var ephemeralGBSeconds = 0.0
    public var requestCost = 0.0
    public var durationCost = 0.0
    public var provisionedCost = 0.0
    public var ephemeralCost = 0.0
    /// What the free tier saved: the list price of the usage it covered.
    public var freeTierCredit = 0.0

    public var total: Double { requestCost + durationCost + provisionedCost + ephemeralCost }

    /// Prices a month of usage. The free tier's requests and GB-seconds are applied first to
    /// the architecture with the highest price (the order AWS does not document; this one is
    /// never worse for the user), then each architecture's remaining on-demand GB-seconds go
    /// through its tiers. Provisioned concurrency and ephemeral storage have no free tier.
    public static func compute(_ lines: [UsageLine], prices: PriceTable) -> Bill {
        var bill = Bill()
        var requestsByArchitecture: [String: Double] = [:]
        var gbSecondsByArchitecture: [String: Double] = [:]
        for line in lines {
            let rates = prices.prices(line.architecture)
            switch line.kind {
            case .onDemand:
                bill.requests += line.requests
                bill.gbSeconds += line.gbSeconds
                requestsByArchitecture[line.architecture, default: 0] += Double(line.requests)
                gbSecondsByArchitecture[line.architecture, default: 0] += line.gbSeconds
            case .provisionedExecution:
                bill.requests += line.requests
                bill.provisionedExecutionGBSeconds += line.gbSeconds
                bill.requestCost += Double(line.requests) * rates.requestsPerMillion / 1_000_000
                bill.provisionedCost += line.gbSeconds * rates.provisionedDurationPerGBSecond
            case .provisionedAllocation:
                bill.provisionedAllocationGBSeconds += line.gbSeconds
                bill.provisionedCost += line.gbSeconds * rates.provisionedConcurrencyPerGBSecond
            }
            bill.ephemeralGBSeconds += line.ephemeralGBSeconds
            bill.ephemeralCost += line.ephemeralGBSeconds * rates.ephemeralStoragePerGBSecond
        }
        var freeRequests = prices.freeTier.requests
        for architecture in requestsByArchitecture.keys.sorted(by: { order($0, $1, prices) { $0.requestsPerMillion } }) {
            let rate = prices.prices(architecture).requestsPerMillion / 1_000_000
            let used = requestsByArchitecture[architecture]!
            let covered = min(used, freeRequests)
            freeRequests -= covered
            bill.requestCost += (used - covered) * rate
            bill.freeTierCredit += covered * rate
        }
        var freeGBSeconds = prices.freeTier.gbSeconds
        for architecture in gbSecondsByArchitecture.keys.sorted(by: { order($0, $1, prices) { $0.listPricePerGBSecond } }) {
            let rates = prices.prices(architecture)
            let used = gbSecondsByArchitecture[architecture]!
            let covered = min(used, freeGBSeconds)
            freeGBSeconds -= covered
            bill.freeTierCredit += tiered(covered, tiers: rates.durationTiers)
            bill.durationCost += tiered(used, tiers: rates.durationTiers) - tiered(covered, tiers: rates.durationTiers)
        }
        return bill
    }

    /// The price of the first `gbSeconds` of a month through ascending tiers.
    public static func tiered(_ gbSeconds: Double, tiers: [PriceTable.Tier]) -> Double {
        var cost = 0.0, floor = 0.0
        for tier in tiers {
            let ceiling = tier.upToGBSeconds ?? .infinity
            guard gbSeconds > floor else { break }
            cost += (min(gbSeconds, ceiling) - floor) * tier.pricePerGBSecond
            floor = ceiling
        }
        return cost
    }

    /// The list price of lines on their own (no free tier, first tier): a function's share.
    public static func listCost(_ lines: [UsageLine], prices: PriceTable) -> Double {
        lines.reduce(0) { cost, line in
            let rates = prices.prices(line.architecture)
            var lineCost = line.ephemeralGBSeconds * rates.ephemeralStoragePerGBSecond
            switch line.kind {
            case .onDemand:
                lineCost += Double(line.requests) * rates.requestsPerMillion / 1_000_000 + line.gbSeconds * rates.listPricePerGBSecond
            case .provisionedExecution:
                lineCost += Double(line.requests) * rates.requestsPerMillion / 1_000_000 + line.gbSeconds * rates.provisionedDurationPerGBSecond
            case .provisionedAllocation:
                lineCost += line.gbSeconds * rates.provisionedConcurrencyPerGBSecond
            }
            return cost + lineCost
        }
    }

    /// Higher price first; equal prices by name, so the order is stable.
    private static func order(_ a: String, _ b: String, _ prices: PriceTable, _ price: (PriceTable.Architecture) -> Double) -> Bool {
        let (pa, pb) = (price(prices.prices(a)), price(prices.prices(b)))
        return pa != pb ? pa > pb : a < b
    }
}
