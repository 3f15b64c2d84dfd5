/// One step of a document path: a map key or a list index.
enum PathElement: Hashable, Sendable, CustomStringConvertible {
    case name(String)
    case index(Int)

    var description: String {
        switch self {
        case .name(let n): n
        case .index(let i): "[\(i)]"
        }
    }
}

/// A document path such as `a.b[2].c`, already resolved from `#name` placeholders.
typealias DocumentPath = [PathElement]

extension Array where Element == PathElement {
    /// DynamoDB's rendering in messages: `[a, b, [2]]`.
    var rendered: String { "[" + map(\.description).joined(separator: ", ") + "]" }

    var topName: String? {
        if case .name(let n) = first { return n }
        return nil
    }
}

/// A value-producing term of a condition or SET action.
indirect enum Operand: Sendable, Equatable {
    case path(DocumentPath)
    case value(AttributeValue)
    case size(Operand)
    case ifNotExists(DocumentPath, Operand)
    case listAppend(Operand, Operand)
    case plus(Operand, Operand)
    case minus(Operand, Operand)
}

enum Comparator: String, Sendable {
    case eq = "=", ne = "<>", lt = "<", le = "<=", gt = ">", ge = ">="
}

/// A condition, filter or key-condition expression.
indirect enum Condition: Sendable, Equatable {
    case compare(Operand, Comparator, Operand)
    case between(Operand, Operand, Operand)
    case isIn(Operand, [Operand])
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition)
    case exists(DocumentPath)
    case notExists(DocumentPath)
    case attributeType(Operand, Operand)
    case beginsWith(Operand, Operand)
    case contains(Operand, Operand)
    /// Always true: used by legacy parameters with nothing to check.
    case always
}

/// The parsed actions of an UpdateExpression, in the order written.
struct UpdateActions: Sendable, Equatable {
    var set: [(DocumentPath, Operand)] = []
    var remove: [DocumentPath] = []
    var add: [(DocumentPath, AttributeValue)] = []
    var delete: [(DocumentPath, AttributeValue)] = []

    static func == (a: UpdateActions, b: UpdateActions) -> Bool {
        a.set.map(\.0) == b.set.map(\.0) && a.set.map(\.1) == b.set.map(\.1) && a.remove == b.remove
            && a.add.map(\.0) == b.add.map(\.0) && a.add.map(\.1) == b.add.map(\.1)
            && a.delete.map(\.0) == b.delete.map(\.0) && a.delete.map(\.1) == b.delete.map(\.1)
    }

    var allPaths: [DocumentPath] { self.set.map(\.0) + remove + add.map(\.0) + delete.map(\.0) }
    var isEmpty: Bool { self.set.isEmpty && remove.isEmpty && add.isEmpty && delete.isEmpty }
}
