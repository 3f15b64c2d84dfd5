import PetrelCore

/// The long polls' wake-ups: PetrelCore's `Wakeups`, one channel per queue id.
public typealias QueueWakeups = Wakeups
