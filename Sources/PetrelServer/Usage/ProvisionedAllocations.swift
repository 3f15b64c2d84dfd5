import PetrelCore
import PetrelFunctions
import PetrelStore

/// The provisioned concurrency configured now, resolved to versions (a setting may name an alias).
enum ProvisionedAllocations {
    static func current(functions: FunctionRegistry, store: Store, account: Account) -> [ProvisionedVersions.Allocation] {
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
