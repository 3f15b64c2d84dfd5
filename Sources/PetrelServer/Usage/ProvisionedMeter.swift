import PetrelCore
import PetrelFunctions
import PetrelStore
import PetrelUsage

/// Meters provisioned concurrency's configured time: each sample bills what the allocations in
/// force since the previous sample accrued. Sampled by the usage service every second, when a
/// setting changes (so billing starts and stops with the change, not at the next tick) and before
/// a usage report is read (so the report includes time up to now).
struct ProvisionedMeter: Sendable {
    let functions: FunctionRegistry
    let store: Store
    let account: Account
    let versions: ProvisionedVersions
    let usage: UsageStore

    func sample() {
        for line in versions.sample(current()) { usage.record(line) }
    }

    /// The provisioned concurrency configured now, resolved to versions (a setting may name an alias).
    func current() -> [ProvisionedVersions.Allocation] {
        let settings = (try? ProvisionedConcurrencyStore(store: store).all()) ?? []
        return settings.compactMap { setting in
            guard setting.count > 0,
                  let record = try? functions.get(FunctionReference(name: setting.name, qualifier: setting.qualifier), account: account, weighted: false)
            else { return nil }
            return ProvisionedVersions.Allocation(function: record.name, version: record.version,
                                                  architecture: record.settings.architectures.first ?? "x86_64",
                                                  memoryMB: record.settings.memorySize, ephemeralMB: record.settings.ephemeralStorageMB,
                                                  count: setting.count)
        }
    }
}
