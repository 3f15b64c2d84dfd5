import Synchronization

/// A cache of values read from the store, safe against the one race every such cache has: a
/// read that looked at the database before a write committed, and finishes after the write
/// invalidated the cache, must not store what it read (every caller would then see the old
/// value until it was evicted). Every invalidation bumps a generation; a read takes the
/// generation before it reads (`lookup`) and `store` refuses its result if it moved since.
///
/// Keys are strings; `invalidate(where:)` drops the entries of one function, one resource, …
/// The cache holds at most `capacity` entries (it is emptied when full: these caches are
/// small and a miss only costs a read).
public final class GenerationCache<Value: Sendable>: Sendable {
    private struct State {
        var entries: [String: Value] = [:]
        var generation = 0
    }
    private let state = Mutex(State())
    private let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The cached value, if any, and the generation to hand to `store` after reading the database.
    public func lookup(_ key: String) -> (value: Value?, generation: Int) {
        state.withLock { ($0.entries[key], $0.generation) }
    }

    /// Keeps `value` unless the cache was invalidated since `generation` was read.
    public func store(_ value: Value, for key: String, readAt generation: Int) {
        state.withLock { s in
            guard s.generation == generation else { return }
            if s.entries.count >= capacity { s.entries.removeAll() }
            s.entries[key] = value
        }
    }

    /// Drops the entries `predicate` selects, and refuses every read that began before.
    public func invalidate(where predicate: (String, Value) -> Bool) {
        state.withLock { s in
            s.generation += 1
            s.entries = s.entries.filter { !predicate($0.key, $0.value) }
        }
    }

    /// Drops everything, and refuses every read that began before.
    public func invalidateAll() {
        state.withLock { s in
            s.generation += 1
            s.entries.removeAll()
        }
    }
}
