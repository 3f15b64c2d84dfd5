/// How Petrel treats identity (`petrel serve --iam`).
public enum IAMMode: String, Sendable, CaseIterable {
    /// Any signature from anyone, as before identity existed.
    case off
    /// Unknown keys act as the account's root; what `enforce` would refuse is recorded.
    case audit
    /// Every request needs a valid signature from a known key and an allowing policy.
    case enforce
}
