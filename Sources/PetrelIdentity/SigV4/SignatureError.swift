import PetrelCore

/// Why a request's signature was refused. Each protocol family names these differently:
/// IAM and STS (query) say `SignatureDoesNotMatch`, DynamoDB and Lambda (JSON) say
/// `InvalidSignatureException`; `error(for:)` gives the client's own.
public struct SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case missingAuthenticationToken
        case incompleteSignature
        case invalidClientTokenId
        case signatureDoesNotMatch
        case expiredToken
        case requestTimeTooSkewed
        case requestExpired
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The protocol the client spoke.
    public enum Family: Sendable {
        /// IAM, STS and other query (XML) services.
        case query
        /// JSON 1.0/1.1 (DynamoDB, Streams, Logs) and REST-JSON (Lambda).
        case json
    }

    public func error(for family: Family) -> AWSError {
        switch (kind, family) {
        case (.missingAuthenticationToken, .query): AWSError("MissingAuthenticationToken", status: 403, message)
        case (.missingAuthenticationToken, .json): AWSError("MissingAuthenticationTokenException", status: 403, message)
        case (.incompleteSignature, .query): AWSError("IncompleteSignature", status: 400, message)
        case (.incompleteSignature, .json): AWSError("IncompleteSignatureException", status: 400, message)
        case (.invalidClientTokenId, .query): AWSError("InvalidClientTokenId", status: 403, message)
        case (.invalidClientTokenId, .json): AWSError("UnrecognizedClientException", status: 403, message)
        case (.signatureDoesNotMatch, .query): AWSError("SignatureDoesNotMatch", status: 403, message)
        case (.signatureDoesNotMatch, .json): AWSError("InvalidSignatureException", status: 403, message)
        case (.expiredToken, .query): AWSError("ExpiredToken", status: 403, message)
        case (.expiredToken, .json): AWSError("ExpiredTokenException", status: 403, message)
        case (.requestTimeTooSkewed, .query): AWSError("RequestTimeTooSkewed", status: 403, message)
        case (.requestTimeTooSkewed, .json): AWSError("InvalidSignatureException", status: 403, message)
        case (.requestExpired, .query): AWSError("RequestExpired", status: 403, message)
        case (.requestExpired, .json): AWSError("InvalidSignatureException", status: 403, message)
        }
    }

    public static let invalidToken = SignatureError(.invalidClientTokenId, "The security token included in the request is invalid.")
    public static let expiredTokenError = SignatureError(.expiredToken, "The security token included in the request is expired")
    public static let mismatch = SignatureError(.signatureDoesNotMatch,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    public static let missing = SignatureError(.missingAuthenticationToken, "Request is missing Authentication Token")
}
