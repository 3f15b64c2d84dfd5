import PetrelStore

extension Store {
    /// A short read on the calling thread, without a wrapping transaction.
    ///
    /// For reads made of one SELECT (GetItem, a Query or Scan page): SQLite runs a single
    /// statement against one consistent snapshot on its own, and GRDB's async, isolated read
    /// would cost more thread hops and BEGIN/COMMIT statements than the read itself. Anything
    /// that must see several statements consistently uses `database.read`.
    func readNow<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try database.readWithoutTransaction(body)
    }
}
