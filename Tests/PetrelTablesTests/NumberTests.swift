import Testing
@testable import PetrelTables
import PetrelCore

@Suite struct NumberTests {
    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("0.000", "0"), ("1", "1"), ("+7", "7"), ("1.50", "1.5"), ("00012.3400", "12.34"),
        ("1E2", "100"), ("1e+2", "100"), ("1.5E-3", "0.0015"), ("-12.5e1", "-125"), (".5", "0.5"), ("5.", "5"),
        ("123456789012345678901234567890123456.78", "123456789012345678901234567890123456.78"),
        ("1E-130", "0." + String(repeating: "0", count: 129) + "1"),
        ("9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999" + String(repeating: "0", count: 88)),
    ])
    func normalises(input: String, expected: String) throws {
        #expect(try Number(parsing: input).description == expected)
    }

    @Test(arguments: [
        ("", "A value provided cannot be converted into a number"),
        ("abc", "A value provided cannot be converted into a number"),
        ("1.2.3", "A value provided cannot be converted into a number"),
        ("1e", "A value provided cannot be converted into a number"),
        ("--1", "A value provided cannot be converted into a number"),
        (" 1", "A value provided cannot be converted into a number"),
        ("1E126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("-1E126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
        ("1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
        ("1234567890123456789012345678901234567891", "Attempting to store more than 38 significant digits in a Number"),
    ])
    func rejects(input: String, message: String) {
        #expect(throws: AWSError.validation(message)) { try Number(parsing: input) }
    }

    @Test(arguments: [
        ("1", "2", "3"), ("0.1", "0.2", "0.3"), ("-5", "3", "-2"), ("3", "-5", "-2"), ("-1.5", "-1.5", "-3"),
        ("1", "-1", "0"), ("99999999999999999999999999999999999999", "-1", "99999999999999999999999999999999999998"),
        ("1E100", "-1E100", "0"), ("12.345", "0.655", "13"), ("1E-5", "1", "1.00001"),
    ])
    func addsExactly(a: String, b: String, sum: String) throws {
        #expect(try Number(parsing: a).adding(Number(parsing: b)).description == sum)
    }

    @Test func additionBeyondPrecisionIsRejected() throws {
        let big = try Number(parsing: "99999999999999999999999999999999999999")
        #expect(throws: AWSError.self) { try big.adding(Number(parsing: "0.1")) }
        #expect(throws: AWSError.self) { try Number(parsing: "9E125").adding(Number(parsing: "9E125")) }
    }

    @Test(arguments: [
        ["-1E125", "-100", "-10.5", "-10", "-1", "-0.001", "0", "1E-130", "0.001", "1", "1.2", "1.25", "2", "10", "100", "1E125"],
    ])
    func ordersNumericallyAndBySortKey(sorted: [String]) throws {
        let numbers = try sorted.map { try Number(parsing: $0) }
        for i in 0..<(numbers.count - 1) {
            #expect(numbers[i] < numbers[i + 1])
            #expect(ConditionEvaluator.compareBytes(numbers[i].sortKey, numbers[i + 1].sortKey) < 0,
                    "sort key of \(sorted[i]) should sort before \(sorted[i + 1])")
        }
    }

    @Test func equalNumbersAreEqual() throws {
        #expect(try Number(parsing: "1.0") == Number(parsing: "1"))
        #expect(try Number(parsing: "100") == Number(parsing: "1E2"))
        #expect(try Number(parsing: "100").hashValue == Number(parsing: "1E2").hashValue)
    }
}
