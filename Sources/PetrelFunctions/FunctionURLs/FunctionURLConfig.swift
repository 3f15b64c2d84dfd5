import Foundation
import PetrelCore

/// A function URL's CORS settings, with the names botocore's `Cors` shape uses.
public struct FunctionURLCors: Sendable, Equatable, Codable {
    public var AllowCredentials: Bool?
    public var AllowHeaders: [String]?
    public var AllowMethods: [String]?
    public var AllowOrigins: [String]?
    public var ExposeHeaders: [String]?
    public var MaxAge: Int?

    public init(AllowCredentials: Bool? = nil, AllowHeaders: [String]? = nil, AllowMethods: [String]? = nil,
                AllowOrigins: [String]? = nil, ExposeHeaders: [String]? = nil, MaxAge: Int? = nil) {
        self.AllowCredentials = AllowCredentials
        self.AllowHeaders = AllowHeaders
        self.AllowMethods = AllowMethods
        self.AllowOrigins = AllowOrigins
        self.ExposeHeaders = ExposeHeaders
        self.MaxAge = MaxAge
    }
}

/// A function URL: a host name of its own that invokes the function (or the alias it names).
public struct FunctionURLConfig: Sendable, Equatable {
    /// The first label of the host name: 32 lower-case letters and digits, as AWS's.
    public var urlID: String
    public var functionName: String
    /// An alias, or nil for the unqualified function ($LATEST).
    public var qualifier: String?
    public var authType: String
    public var cors: FunctionURLCors?
    public var invokeMode: String
    public var creationTime: Date
    public var lastModifiedTime: Date

    public init(urlID: String, functionName: String, qualifier: String?, authType: String, cors: FunctionURLCors?,
                invokeMode: String, creationTime: Date, lastModifiedTime: Date) {
        self.urlID = urlID
        self.functionName = functionName
        self.qualifier = qualifier
        self.authType = authType
        self.cors = cors
        self.invokeMode = invokeMode
        self.creationTime = creationTime
        self.lastModifiedTime = lastModifiedTime
    }

    /// `<url-id>.lambda-url.<region>.localhost`: *.localhost resolves to loopback, so the URL
    /// works from this machine without DNS set-up (AWS's are `<url-id>.lambda-url.<region>.on.aws`).
    public static func hostName(urlID: String, region: String) -> String {
        "\(urlID).lambda-url.\(region).localhost"
    }

    /// The URL id in a Host header naming a function URL (`abc….lambda-url.us-east-1.localhost:4566`), or nil.
    public static func urlID(inHost host: String) -> (id: String, region: String)? {
        let name = host.prefix { $0 != ":" }.lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 4, labels[1] == "lambda-url", labels[0].count == 32,
              labels[0].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return nil }
        return (String(labels[0]), String(labels[2]))
    }
}

/// AWS's checks on CreateFunctionUrlConfig / UpdateFunctionUrlConfig input. Pure.
public enum FunctionURLRules {
    public static let authTypes = ["NONE", "AWS_IAM"]
    public static let invokeModes = ["BUFFERED", "RESPONSE_STREAM"]

    public static func validate(authType: String?, invokeMode: String?, cors: FunctionURLCors?) throws(AWSError) {
        if let authType, !authTypes.contains(authType) {
            throw AWSError.validation("1 validation error detected: Value '\(authType)' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]")
        }
        if let invokeMode {
            guard invokeModes.contains(invokeMode) else {
                throw AWSError.validation("1 validation error detected: Value '\(invokeMode)' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")
            }
        }
        guard let cors else { return }
        if let methods = cors.AllowMethods {
            guard methods.count <= 6 else {
                throw AWSError.validation("1 validation error detected: Value at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6")
            }
            let known = ["GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "*"]
            for method in methods where !known.contains(method.uppercased()) {
                throw AWSError.invalidParameter("Invalid Cors.AllowMethods: \(method). Use GET, PUT, HEAD, POST, PATCH, DELETE or *.")
            }
        }
        if let maxAge = cors.MaxAge, !(0...86_400).contains(maxAge) {
            throw AWSError.validation("1 validation error detected: Value '\(maxAge)' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400")
        }
        for origin in cors.AllowOrigins ?? [] where origin.isEmpty || origin.count > 253 {
            throw AWSError.validation("1 validation error detected: Value '\(origin)' at 'cors.allowOrigins' failed to satisfy constraint: Member must have length between 1 and 253")
        }
        if (cors.AllowOrigins?.count ?? 0) > 100 || (cors.AllowHeaders?.count ?? 0) > 100 || (cors.ExposeHeaders?.count ?? 0) > 100 {
            throw AWSError.validation("1 validation error detected: a Cors list has more than 100 members")
        }
    }

    /// A URL qualifier is an alias name (not $LATEST, not a version number).
    public static func validateQualifier(_ qualifier: String) throws(AWSError) {
        let allowed = qualifier.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
        guard (1...128).contains(qualifier.count), allowed, !qualifier.allSatisfy(\.isASCIIDigit) else {
            throw AWSError.validation("1 validation error detected: Value '\(qualifier)' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)")
        }
    }

    /// 32 random lower-case letters and digits.
    public static func newURLID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
