import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PetrelIdentity
import PetrelWire

/// Requests for AWS services Petrel does not serve (S3, SNS, SQS, …) answered in that service's
/// own protocol with an error that names it, instead of Petrel's health JSON.
enum UnservedService {
    enum WireKind { case query, json, restXML, restJSON, ec2 }

    /// Signing names of the services Petrel serves.
    static let served: Set<String> = ["lambda", "dynamodb", "logs", "monitoring", "iam", "sts", "sqs", "s3", "kinesis", "events", "cloudtrail"]

    /// Signing name → (name AWS gives it, protocol) for the services clients most often try.
    static let known: [String: (String, WireKind)] = [
        "s3": ("Amazon S3", .restXML), "sns": ("Amazon SNS", .query), "sqs": ("Amazon SQS", .json), "ec2": ("Amazon EC2", .ec2),
        "cloudformation": ("AWS CloudFormation", .query), "rds": ("Amazon RDS", .query), "elasticloadbalancing": ("Elastic Load Balancing", .query),
        "autoscaling": ("Auto Scaling", .query), "email": ("Amazon SES", .query), "ses": ("Amazon SES", .restJSON), "route53": ("Amazon Route 53", .restXML),
        "cloudfront": ("Amazon CloudFront", .restXML), "kinesis": ("Amazon Kinesis", .json), "firehose": ("Amazon Data Firehose", .json),
        "events": ("Amazon EventBridge", .json), "states": ("AWS Step Functions", .json), "secretsmanager": ("AWS Secrets Manager", .json),
        "ssm": ("AWS Systems Manager", .json), "kms": ("AWS KMS", .json), "ecr": ("Amazon ECR", .json), "ecs": ("Amazon ECS", .json),
        "apigateway": ("Amazon API Gateway", .restJSON), "cognito-idp": ("Amazon Cognito", .json), "athena": ("Amazon Athena", .json),
        "glue": ("AWS Glue", .json), "elasticache": ("Amazon ElastiCache", .query), "execute-api": ("Amazon API Gateway", .restJSON),
    ]

    /// Petrel's answer when the request is for a service it does not serve; nil otherwise.
    static func detect(_ request: Request) -> Response? {
        var service: String?
        if let header = request.headers[.authorization] {
            service = scopeService(header)
        } else if let query = request.uri.query, query.contains("X-Amz-Credential=") {
            let credential = SigV4Canonical.queryPairs(query).first { $0.name == "X-Amz-Credential" }?.value ?? ""
            let parts = credential.split(separator: "/")
            if parts.count == 5 { service = String(parts[3]) }
        }
        if let service, !served.contains(service), !request.uri.path.hasPrefix("/console") {
            return response(service: service, protocol: wireKind(service, request))
        }
        return nil
    }

    /// The service of `Credential=AKID/DATE/REGION/SERVICE/aws4_request`, read byte-wise
    /// (this runs on every request).
    static func scopeService(_ header: String) -> String? {
        let bytes = header.utf8
        guard let range = bytes.firstRange(of: "Credential=".utf8) else { return nil }
        let credential = bytes[range.upperBound...].prefix { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") }
        let parts = credential.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 5 else { return nil }
        return String(Substring(parts[3]))
    }

    static func wireKind(_ service: String, _ request: Request) -> WireKind {
        if let kind = known[service]?.1 { return kind }
        if request.headers[HTTPField.Name("X-Amz-Target")!] != nil { return .json }
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true { return .query }
        return request.uri.path.hasPrefix("/20") ? .restJSON : .restXML
    }

    static func message(_ service: String) -> String {
        let name = known[service].map { "\($0.0) (\(service))" } ?? "the service '\(service)'"
        return "Petrel does not serve \(name). It serves Lambda, DynamoDB, DynamoDB Streams, CloudWatch Logs, CloudWatch metrics, SQS, Kinesis Data Streams, IAM, STS, S3, EventBridge and CloudTrail."
    }

    static func response(service: String, protocol kind: WireKind) -> Response {
        let code = "NotImplemented"
        let message = message(service)
        let requestID = UUID().uuidString.lowercased()
        let status = HTTPResponse.Status(code: 501)
        func xml(_ body: String) -> Response {
            Response(status: status, headers: [.contentType: "application/xml", HTTPField.Name("x-amzn-RequestId")!: requestID],
                     body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body)))
        }
        let escaped = XMLWriter.escape(message)
        switch kind {
        case .restXML:
            return xml("<Error><Code>\(code)</Code><Message>\(escaped)</Message><RequestId>\(requestID)</RequestId></Error>")
        case .ec2:
            return xml("<Response><Errors><Error><Code>\(code)</Code><Message>\(escaped)</Message></Error></Errors><RequestID>\(requestID)</RequestID></Response>")
        case .query:
            return xml("<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(escaped)</Message></Error><RequestId>\(requestID)</RequestId></ErrorResponse>")
        case .json, .restJSON:
            let body = (try? JSONSerialization.data(withJSONObject: ["__type": code, "message": message])) ?? Data()
            return Response(status: status, headers: [.contentType: kind == .json ? "application/x-amz-json-1.0" : "application/json",
                                                      HTTPField.Name("x-amzn-ErrorType")!: code, HTTPField.Name("x-amzn-RequestId")!: requestID],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
