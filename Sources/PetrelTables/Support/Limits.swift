import PetrelCore

/// DynamoDB's documented limits (developer guide, "Service, account, and table quotas"), in one
/// table. Every parser, evaluator and decoder in this module is bounded by one of these: a
/// client's input never decides how deep the server's stack goes.
enum Limits {
    /// Any expression string, measured in UTF-8 bytes as sent.
    static let expressionBytes = 4096
    /// Operators and functions in one expression.
    static let expressionOperators = 300
    /// Operands of one IN.
    static let inOperands = 100
    /// One ExpressionAttributeNames or ExpressionAttributeValues key, with its `#` or `:`.
    static let placeholderBytes = 255
    /// All ExpressionAttributeNames (keys and names) or all ExpressionAttributeValues together.
    static let substitutionBytes = 2 * 1024 * 1024
    /// Levels of maps and lists inside an attribute value.
    static let documentNesting = 32
    static let itemBytes = 400 * 1024
    static let attributeNameBytes = 65535
    /// Nesting of the request's JSON: an item at the deepest place a request carries one
    /// (BatchWriteItem) with 32 levels of maps needs about 72; anything deeper is refused before
    /// it is turned into values.
    static let jsonNesting = 256
    /// The parser's own recursion, a second guard under the operator limit (which already
    /// bounds nesting, as every level of parentheses needs an operator or is redundant).
    static let expressionNesting = 2 * expressionOperators + 8

    static let nestingExceeded = AWSError.validation("Nesting Levels have exceeded supported limits")
}
