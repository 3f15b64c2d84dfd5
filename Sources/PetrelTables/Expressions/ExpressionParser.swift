import PetrelCore

/// The request's ExpressionAttributeNames and ExpressionAttributeValues, shared by all the
/// expressions of one request, remembering which were used so unused ones can be rejected.
struct ExpressionContext: Sendable {
    var names: [String: String]
    var values: [String: AttributeValue]
    var usedNames: Set<String> = []
    var usedValues: Set<String> = []

    init(names: [String: String] = [:], values: [String: AttributeValue] = [:]) {
        self.names = names
        self.values = values
    }

    /// Rejects placeholders no expression used, with DynamoDB's messages.
    func checkAllUsed() throws(AWSError) {
        let unusedNames = Set(names.keys).subtracting(usedNames)
        if !unusedNames.isEmpty {
            throw AWSError.validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {\(unusedNames.sorted().joined(separator: ", "))}")
        }
        let unusedValues = Set(values.keys).subtracting(usedValues)
        if !unusedValues.isEmpty {
            throw AWSError.validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {\(unusedValues.sorted().joined(separator: ", "))}")
        }
    }
}

/// Recursive-descent parser for conditions, update expressions and projections, with
/// DynamoDB's precedence: comparisons, IN, BETWEEN and functions bind tighter than NOT, then
/// AND, then OR.
struct ExpressionParser {
    let kind: String
    let source: String
    var tokens: [Token]
    var position = 0

    /// Nesting of the recursive descent right now; bounded by `Limits.expressionNesting`.
    var depth = 0

    init(_ source: String, kind: String) throws(AWSError) {
        self.kind = kind
        self.source = source
        let size = source.utf8.count
        if size > Limits.expressionBytes {
            throw AWSError.validation("Invalid \(kind): Expression size has exceeded the maximum allowed size; expression size: \(size)")
        }
        if source.allSatisfy(\.isWhitespace) {
            throw AWSError.validation("Invalid \(kind): The expression can not be empty;")
        }
        tokens = try ExpressionLexer.tokenize(source, kind: kind)
        try ExpressionParser.checkShape(tokens, kind: kind)
    }

    static let keywordOperators: Set<String> = ["AND", "OR", "NOT", "BETWEEN", "IN"]

    /// DynamoDB's limits on an expression's shape, checked on the tokens before any recursion:
    /// at most 300 operators and functions, and no redundant parentheses (`((a < b))`). Together
    /// they bound how deep the parser can go: every level of parentheses needs an operator.
    static func checkShape(_ tokens: [Token], kind: String) throws(AWSError) {
        var operators = 0
        var open: [Int] = []
        var closing: [Int: Int] = [:]
        var grouping: [Int] = []
        let isCondition = kind != "UpdateExpression" && kind != "ProjectionExpression"
        for (i, token) in tokens.enumerated() {
            switch token {
            case .identifier(let word) where keywordOperators.contains(word.uppercased()):
                operators += 1
            case .punct("("):
                open.append(i)
                if i > 0, case .identifier(let word) = tokens[i - 1] {
                    // A function's argument list, or IN's list.
                    if !keywordOperators.contains(word.uppercased()) { operators += 1 }
                    else if word.uppercased() != "IN" { grouping.append(i) }
                } else {
                    grouping.append(i)
                }
            case .punct(")"):
                if let start = open.popLast() { closing[start] = i }
            case .punct("="):
                if isCondition { operators += 1 }
            case .punct("<>"), .punct("<"), .punct("<="), .punct(">"), .punct(">="), .punct("+"), .punct("-"):
                operators += 1
            default:
                break
            }
            if operators > Limits.expressionOperators {
                throw AWSError.validation("Invalid \(kind): The expression contains too many operators; operator count: \(operators)")
            }
        }
        guard isCondition else { return }
        let groups = Set(grouping)
        for start in grouping {
            if groups.contains(start + 1), let outer = closing[start], let inner = closing[start + 1], inner == outer - 1 {
                throw AWSError.validation("Invalid \(kind): The expression has redundant parentheses;")
            }
        }
    }

    /// One level deeper into the recursive descent. The shape check bounds this already; the
    /// guard keeps a future grammar change from turning input into stack depth.
    mutating func descend() throws(AWSError) {
        depth += 1
        if depth > Limits.expressionNesting {
            throw AWSError.validation("Invalid \(kind): The expression contains too many operators; operator count: \(Limits.expressionOperators + 1)")
        }
    }

    // MARK: Entry points

    static func condition(_ source: String, kind: String = "ConditionExpression", context: inout ExpressionContext) throws(AWSError) -> Condition {
        var parser = try ExpressionParser(source, kind: kind)
        let condition = try parser.parseOr(&context)
        try parser.expectEnd()
        return condition
    }

    static func projection(_ source: String, context: inout ExpressionContext) throws(AWSError) -> [DocumentPath] {
        var parser = try ExpressionParser(source, kind: "ProjectionExpression")
        var paths: [DocumentPath] = []
        repeat {
            paths.append(try parser.parsePath(&context))
        } while parser.accept(.punct(","))
        try parser.expectEnd()
        try checkOverlap(paths, kind: "ProjectionExpression")
        return paths
    }

    static func update(_ source: String, context: inout ExpressionContext) throws(AWSError) -> UpdateActions {
        var parser = try ExpressionParser(source, kind: "UpdateExpression")
        var actions = UpdateActions()
        var seen: Set<String> = []
        while parser.current != .end {
            guard case .identifier(let word) = parser.current else { throw parser.syntaxError() }
            let section = word.uppercased()
            guard ["SET", "REMOVE", "ADD", "DELETE"].contains(section) else { throw parser.syntaxError() }
            if seen.contains(section) {
                throw AWSError.validation("Invalid UpdateExpression: The \"\(section)\" section can only be used once in an update expression;")
            }
            seen.insert(section)
            parser.position += 1
            repeat {
                let path = try parser.parsePath(&context)
                switch section {
                case "SET":
                    try parser.expect(.punct("="))
                    actions.set.append((path, try parser.parseSetValue(&context)))
                case "REMOVE":
                    actions.remove.append(path)
                case "ADD":
                    let value = try parser.parseLiteralValue(&context)
                    switch value {
                    case .n, .ss, .ns, .bs: break
                    default:
                        throw AWSError.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: \(value.typeName)")
                    }
                    actions.add.append((path, value))
                default:
                    let value = try parser.parseLiteralValue(&context)
                    switch value {
                    case .ss, .ns, .bs: break
                    default:
                        throw AWSError.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: \(value.typeName)")
                    }
                    actions.delete.append((path, value))
                }
            } while parser.accept(.punct(","))
        }
        try checkOverlap(actions.allPaths, kind: "UpdateExpression")
        return actions
    }

    /// Rejects two paths where one is a prefix of (or equal to) the other.
    static func checkOverlap(_ paths: [DocumentPath], kind: String) throws(AWSError) {
        guard paths.count > 1 else { return }
        for i in 0..<paths.count {
            for j in (i + 1)..<paths.count {
                let a = paths[i], b = paths[j]
                let common = min(a.count, b.count)
                var conflict = false
                var samePrefix = true
                for k in 0..<common where a[k] != b[k] {
                    samePrefix = false
                    switch (a[k], b[k]) {
                    case (.name, .index), (.index, .name): conflict = true
                    default: break
                    }
                    break
                }
                if samePrefix {
                    throw AWSError.validation("Invalid \(kind): Two document paths overlap with each other; must remove or rewrite one of these paths; path one: \(a.rendered), path two: \(b.rendered)")
                }
                if conflict {
                    throw AWSError.validation("Invalid \(kind): Two document paths conflict with each other; must remove or rewrite one of these paths; path one: \(a.rendered), path two: \(b.rendered)")
                }
            }
        }
    }

    // MARK: Token helpers

    var current: Token { tokens[position] }

    mutating func accept(_ token: Token) -> Bool {
        if current == token { position += 1; return true }
        return false
    }

    mutating func acceptKeyword(_ keyword: String) -> Bool {
        if current.isKeyword(keyword) { position += 1; return true }
        return false
    }

    mutating func expect(_ token: Token) throws(AWSError) {
        guard accept(token) else { throw syntaxError() }
    }

    func expectEnd() throws(AWSError) {
        guard current == .end else { throw syntaxError() }
    }

    func syntaxError() -> AWSError {
        let lo = max(0, position - 1), hi = min(tokens.count - 1, position + 1)
        let near = tokens[lo...hi].filter { $0 != .end }.map(\.text).joined(separator: " ")
        return ExpressionLexer.syntaxError(kind, token: current.text, near: near)
    }

    // MARK: Conditions

    mutating func parseOr(_ context: inout ExpressionContext) throws(AWSError) -> Condition {
        var left = try parseAnd(&context)
        while acceptKeyword("OR") { left = .or(left, try parseAnd(&context)) }
        return left
    }

    mutating func parseAnd(_ context: inout ExpressionContext) throws(AWSError) -> Condition {
        var left = try parseNot(&context)
        while acceptKeyword("AND") { left = .and(left, try parseNot(&context)) }
        return left
    }

    mutating func parseNot(_ context: inout ExpressionContext) throws(AWSError) -> Condition {
        if acceptKeyword("NOT") {
            try descend()
            defer { depth -= 1 }
            return .not(try parseNot(&context))
        }
        return try parsePredicate(&context)
    }

    static let conditionFunctions: Set<String> = ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"]
    static let operandFunctions: Set<String> = ["size"]
    static let updateFunctions: Set<String> = ["if_not_exists", "list_append"]

    mutating func parsePredicate(_ context: inout ExpressionContext) throws(AWSError) -> Condition {
        if accept(.punct("(")) {
            try descend()
            defer { depth -= 1 }
            let inner = try parseOr(&context)
            try expect(.punct(")"))
            return inner
        }
        if case .identifier(let name) = current, tokens[position + 1] == .punct("("), ExpressionParser.conditionFunctions.contains(name) {
            position += 2
            var args: [Operand] = []
            repeat { args.append(try parseOperand(&context)) } while accept(.punct(","))
            try expect(.punct(")"))
            return try makeFunction(name, args)
        }
        let left = try parseOperand(&context)
        if case .punct(let p) = current, let comparator = Comparator(rawValue: p) {
            position += 1
            let right = try parseOperand(&context)
            try checkDistinct(comparator.rawValue, left, right)
            return .compare(left, comparator, right)
        }
        if acceptKeyword("BETWEEN") {
            let low = try parseOperand(&context)
            guard acceptKeyword("AND") else { throw syntaxError() }
            let high = try parseOperand(&context)
            if case .value(let lv) = low, case .value(let hv) = high {
                if lv.typeName != hv.typeName {
                    throw AWSError.validation("Invalid \(kind): The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: \(lv.brief), upper bound operand: AttributeValue: \(hv.brief)")
                }
                if (ConditionEvaluator.order(lv, hv) ?? 0) > 0 {
                    throw AWSError.validation("Invalid \(kind): The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: \(lv.brief), upper bound operand: AttributeValue: \(hv.brief)")
                }
            }
            return .between(left, low, high)
        }
        if acceptKeyword("IN") {
            try expect(.punct("("))
            var list: [Operand] = []
            repeat { list.append(try parseOperand(&context)) } while accept(.punct(","))
            try expect(.punct(")"))
            if list.count > 100 {
                throw AWSError.validation("Invalid \(kind): The IN operator is provided with too many operands; number of operands: \(list.count)")
            }
            return .isIn(left, list)
        }
        throw syntaxError()
    }

    func makeFunction(_ name: String, _ args: [Operand]) throws(AWSError) -> Condition {
        func arity(_ n: Int) throws(AWSError) {
            if args.count != n {
                throw AWSError.validation("Invalid \(kind): Incorrect number of operands for operator or function; operator or function: \(name), number of operands: \(args.count)")
            }
        }
        func pathArg(_ i: Int) throws(AWSError) -> DocumentPath {
            guard case .path(let p) = args[i] else {
                throw AWSError.validation("Invalid \(kind): Operator or function requires a document path; operator or function: \(name)")
            }
            return p
        }
        switch name {
        case "attribute_exists": try arity(1); return .exists(try pathArg(0))
        case "attribute_not_exists": try arity(1); return .notExists(try pathArg(0))
        case "attribute_type":
            try arity(2)
            try checkDistinct(name, args[0], args[1])
            _ = try pathArg(0)
            guard let type = ExpressionParser.staticType(args[1]) else {
                // A path: its type is not known until the item is read, and DynamoDB wants a string.
                throw AWSError.validation("Invalid \(kind): Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
            }
            if type != "S" {
                throw AWSError.validation("Invalid \(kind): Incorrect operand type for operator or function; operator or function: attribute_type, operand type: \(type)")
            }
            if case .value(let v) = args[1] {
                guard case .s(let t) = v else {
                    throw AWSError.validation("Invalid \(kind): Incorrect operand type for operator or function; operator or function: attribute_type, operand type: \(v.typeName)")
                }
                if !AttributeValue.typeNames.contains(t) {
                    throw AWSError.validation("Invalid \(kind): Invalid attribute type name found; type: \(t), valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
                }
            }
            return .attributeType(args[0], args[1])
        case "begins_with":
            try arity(2)
            try checkDistinct(name, args[0], args[1])
            for arg in args {
                if let type = ExpressionParser.staticType(arg), type != "S", type != "B" {
                    throw AWSError.validation("Invalid \(kind): Incorrect operand type for operator or function; operator or function: begins_with, operand type: \(type)")
                }
            }
            return .beginsWith(args[0], args[1])
        default:
            try arity(2)
            try checkDistinct(name, args[0], args[1])
            return .contains(args[0], args[1])
        }
    }

    /// The type an operand has before any item is read: a literal's, or N for `size()`.
    static func staticType(_ operand: Operand) -> String? {
        switch operand {
        case .value(let v): v.typeName
        case .size: "N"
        default: nil
        }
    }

    /// DynamoDB refuses an operator or function whose first operand is the same path as
    /// its second (`a = a`, `begins_with(a, a)`).
    func checkDistinct(_ name: String, _ first: Operand, _ second: Operand) throws(AWSError) {
        if case .path(let a) = first, case .path(let b) = second, a == b {
            throw AWSError.validation("Invalid \(kind): The first operand must be distinct from the remaining operands for this operator or function; operator: \(name), first operand: \(a.rendered)")
        }
    }

    /// An operand of a condition: a path, a `:value`, or `size(path)`.
    mutating func parseOperand(_ context: inout ExpressionContext) throws(AWSError) -> Operand {
        switch current {
        case .valueRef:
            return .value(try parseLiteralValue(&context))
        case .identifier(let name) where tokens[position + 1] == .punct("("):
            if name == "size" {
                position += 2
                try descend()
                defer { depth -= 1 }
                let inner = try parseOperand(&context)
                try expect(.punct(")"))
                if let type = ExpressionParser.staticType(inner), ["N", "BOOL", "NULL"].contains(type) {
                    throw AWSError.validation("Invalid \(kind): Incorrect operand type for operator or function; operator or function: size, operand type: \(type)")
                }
                return .size(inner)
            }
            if ExpressionParser.conditionFunctions.contains(name) || ExpressionParser.updateFunctions.contains(name) {
                throw AWSError.validation("Invalid \(kind): The function is not allowed to be used this way in an expression; function: \(name)")
            }
            throw AWSError.validation("Invalid \(kind): Invalid function name; function: \(name)")
        default:
            return .path(try parsePath(&context))
        }
    }

    mutating func parseLiteralValue(_ context: inout ExpressionContext) throws(AWSError) -> AttributeValue {
        guard case .valueRef(let ref) = current else { throw syntaxError() }
        position += 1
        guard let value = context.values[ref] else {
            throw AWSError.validation("Invalid \(kind): An expression attribute value used in expression is not defined; attribute value: \(ref)")
        }
        context.usedValues.insert(ref)
        return value
    }

    mutating func parsePath(_ context: inout ExpressionContext) throws(AWSError) -> DocumentPath {
        var path: DocumentPath = [.name(try parsePathName(&context))]
        while true {
            if accept(.punct(".")) {
                path.append(.name(try parsePathName(&context)))
            } else if accept(.punct("[")) {
                guard case .integer(let i) = current else {
                    throw AWSError.validation("Invalid \(kind): Syntax error; token: \"\(current.text)\", near: \"[\(current.text)\"")
                }
                position += 1
                try expect(.punct("]"))
                path.append(.index(i))
            } else {
                return path
            }
        }
    }

    mutating func parsePathName(_ context: inout ExpressionContext) throws(AWSError) -> String {
        switch current {
        case .identifier(let name):
            if ReservedWords.contains(name) {
                throw AWSError.validation("Invalid \(kind): Attribute name is a reserved keyword; reserved keyword: \(name)")
            }
            position += 1
            return name
        case .nameRef(let ref):
            position += 1
            guard let name = context.names[ref] else {
                throw AWSError.validation("Invalid \(kind): An expression attribute name used in the document path is not defined; attribute name: \(ref)")
            }
            context.usedNames.insert(ref)
            return name
        default:
            throw syntaxError()
        }
    }

    // MARK: Update values

    /// `operand`, `operand + operand` or `operand - operand`.
    mutating func parseSetValue(_ context: inout ExpressionContext) throws(AWSError) -> Operand {
        let left = try parseSetOperand(&context)
        if accept(.punct("+")) {
            let right = try parseSetOperand(&context)
            return .plus(try checkedArithmetic(left, "+"), try checkedArithmetic(right, "+"))
        }
        if accept(.punct("-")) {
            let right = try parseSetOperand(&context)
            return .minus(try checkedArithmetic(left, "-"), try checkedArithmetic(right, "-"))
        }
        return left
    }

    func checkedArithmetic(_ operand: Operand, _ op: String) throws(AWSError) -> Operand {
        if case .value(let v) = operand, case .n = v {} else if case .value(let v) = operand {
            throw AWSError.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: \(op), operand type: \(v.typeName)")
        }
        return operand
    }

    mutating func parseSetOperand(_ context: inout ExpressionContext) throws(AWSError) -> Operand {
        if case .identifier(let name) = current, tokens[position + 1] == .punct("(") {
            try descend()
            defer { depth -= 1 }
            switch name {
            case "if_not_exists":
                position += 2
                let path = try parsePath(&context)
                try expect(.punct(","))
                let fallback = try parseSetOperand(&context)
                try expect(.punct(")"))
                return .ifNotExists(path, fallback)
            case "list_append":
                position += 2
                let a = try parseSetOperand(&context)
                try expect(.punct(","))
                let b = try parseSetOperand(&context)
                try expect(.punct(")"))
                for operand in [a, b] {
                    if case .value(let v) = operand, v.typeName != "L" {
                        throw AWSError.validation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: \(v.typeName)")
                    }
                }
                return .listAppend(a, b)
            default:
                if ExpressionParser.conditionFunctions.contains(name) || name == "size" {
                    throw AWSError.validation("Invalid UpdateExpression: The function is not allowed in an update expression; function: \(name)")
                }
                throw AWSError.validation("Invalid UpdateExpression: Invalid function name; function: \(name)")
            }
        }
        if case .valueRef = current { return .value(try parseLiteralValue(&context)) }
        return .path(try parsePath(&context))
    }
}
