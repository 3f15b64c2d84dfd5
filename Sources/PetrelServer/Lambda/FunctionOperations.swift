import Foundation
import Hummingbird
import PetrelCore
import PetrelFunctions

/// CreateFunction, GetFunction, ListFunctions, Update…, DeleteFunction, PublishVersion.
extension LambdaRoutes {
    func createFunction(_ request: Request, account: Account) async throws -> Response {
        let input = try await decode(CreateFunctionRequest.self, from: request)
        guard let name = input.FunctionName else {
            throw AWSError.validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
        }
        let ref = try FunctionReference.parse(name, region: account.region)
        guard ref.qualifier == nil else { throw AWSError.invalidParameter("Unqualified function name expected: \(name)") }
        if input.PackageType == "Image" {
            throw AWSError.invalidParameter("Petrel runs Zip packages only; container images are not supported.")
        }
        guard let runtime = input.Runtime else {
            throw AWSError.invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        let zip = try functionCode(zipFile: input.Code?.ZipFile, s3Bucket: input.Code?.S3Bucket, s3Key: input.Code?.S3Key,
                                   s3ObjectVersion: input.Code?.S3ObjectVersion)
        try requireInterpreter(runtime)
        var settings = FunctionSettings(
            runtime: runtime, handler: input.Handler ?? "", role: input.Role ?? "",
            description: input.Description ?? "", memorySize: input.MemorySize ?? 128, timeout: input.Timeout ?? 3,
            environment: input.Environment?.Variables ?? [:], ephemeralStorageMB: input.EphemeralStorage?.Size ?? 512,
            architectures: input.Architectures ?? ["x86_64"], layers: input.Layers ?? [])
        settings.deadLetterTargetArn = try input.DeadLetterConfig?.validatedTarget()
        _ = try layerRegistry.resolve(settings.layers, account: account)
        try executionRoles?.checkAssumable(role: settings.role, function: ref.name)
        let record = try functions.create(name: ref.name, settings: settings, zip: zip, publish: input.Publish ?? false,
                                          tags: input.Tags ?? [:], account: account)
        logger.info("Created function \(ref.name) (\(runtime), \(record.codeSize) bytes)")
        return try json(FunctionConfiguration(record, account: account), account: account, status: .created)
    }

    /// Refuses a runtime whose interpreter this machine does not have (unless the server runs
    /// with --runtime-fallback): a function must run on the interpreter its runtime names.
    func requireInterpreter(_ runtime: String) throws {
        guard Runtimes.family(of: runtime) != nil else { return }  // validation names what is wrong
        if case .missing = invoker.interpreters.resolve(runtime) {
            throw AWSError.invalidParameter(invoker.interpreters.missingMessage(runtime))
        }
    }

    func zipData(_ base64: String?) throws -> Data {
        guard let base64 else {
            throw AWSError.invalidParameter("Please provide a source for function code: ZipFile.")
        }
        guard let data = Data(base64Encoded: base64) else {
            throw AWSError.invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
        }
        return data
    }

    func getFunction(_ ref: FunctionReference, account: Account) throws -> Response {
        let record = try functions.get(ref, account: account, weighted: false)
        let location = "\(endpoint)/_petrel/code/\(record.codeDigest).zip"
        let tags = try functions.tags(of: record.name)
        return try json(GetFunctionResponse(Configuration: withLayerSizes(FunctionConfiguration(record, account: account), account: account),
                                            Code: FunctionCodeLocation(RepositoryType: "S3", Location: location),
                                            Tags: tags.isEmpty ? nil : tags,
                                            Concurrency: try reservedConcurrencyStore.get(name: record.name).map { ["ReservedConcurrentExecutions": $0] }))
    }

    func getConfiguration(_ ref: FunctionReference, account: Account) throws -> Response {
        try json(FunctionConfiguration(functions.get(ref, account: account, weighted: false), account: account), account: account)
    }

    func listFunctions(query: Hummingbird.Parameters, account: Account) throws -> Response {
        let limit = try maxItems(query["MaxItems"].map(String.init), default: 50)
        let page = try functions.list(after: query["Marker"].map(String.init), limit: limit)
        var records = page.records
        switch query["FunctionVersion"].map(String.init) {
        case nil: break
        case .some("ALL"):
            // Every version of each function on the page, $LATEST first (AWS pages by function too).
            records = try records.flatMap { try functions.versions(of: $0.name, account: account) }
        case let other?:
            throw AWSError.validation("1 validation error detected: Value '\(other)' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]")
        }
        return try json(ListFunctionsResponse(Functions: records.map { FunctionConfiguration($0, account: account) },
                                              NextMarker: page.nextMarker))
    }

    func listVersions(_ ref: FunctionReference, account: Account) throws -> Response {
        let versions = try functions.versions(of: ref.name, account: account)
        return try json(ListVersionsByFunctionResponse(Versions: versions.map { FunctionConfiguration($0, account: account) }))
    }

    func maxItems(_ raw: String?, default value: Int) throws -> Int {
        guard let raw else { return value }
        guard let n = Int(raw), n >= 1, n <= 10000 else {
            throw AWSError.invalidParameter("1 validation error detected: Value '\(raw)' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000")
        }
        return n
    }

    func updateCode(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let input = try await decode(UpdateFunctionCodeRequest.self, from: request)
        let zip = try functionCode(zipFile: input.ZipFile, s3Bucket: input.S3Bucket, s3Key: input.S3Key, s3ObjectVersion: input.S3ObjectVersion)
        if input.DryRun == true {
            let current = try functions.get(FunctionReference(name: ref.name), account: account)
            let stored = try functions.code.store(zip: zip)
            var preview = current
            preview.codeSha256 = stored.sha256Base64
            preview.codeSize = stored.size
            return try json(FunctionConfiguration(preview, account: account))
        }
        let record = try functions.updateCode(name: ref.name, zip: zip, publish: input.Publish ?? false,
                                              expectedRevision: input.RevisionId, account: account)
        await invoker.retire(functionName: ref.name, version: "$LATEST")
        return try json(FunctionConfiguration(record, account: account))
    }

    func updateConfiguration(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let input = try await decode(UpdateFunctionConfigurationRequest.self, from: request)
        if let layers = input.Layers { _ = try layerRegistry.resolve(layers, account: account) }
        if let runtime = input.Runtime { try requireInterpreter(runtime) }
        if let role = input.Role { try executionRoles?.checkAssumable(role: role, function: ref.name) }
        let deadLetterTarget = try input.DeadLetterConfig?.validatedTarget()
        let record = try functions.updateConfiguration(name: ref.name, expectedRevision: input.RevisionId, account: account) { s in
            if let v = input.Role { s.role = v }
            if let v = input.Handler { s.handler = v }
            if let v = input.Description { s.description = v }
            if let v = input.Timeout { s.timeout = v }
            if let v = input.MemorySize { s.memorySize = v }
            if let v = input.Environment { s.environment = v.Variables ?? [:] }
            if let v = input.Runtime { s.runtime = v }
            if let v = input.Layers { s.layers = v }
            if let v = input.EphemeralStorage { s.ephemeralStorageMB = v.Size }
            if input.DeadLetterConfig != nil { s.deadLetterTargetArn = deadLetterTarget }
        }
        await invoker.retire(functionName: ref.name, version: "$LATEST")
        return try json(FunctionConfiguration(record, account: account), account: account)
    }

    func publishVersion(_ ref: FunctionReference, request: Request, account: Account) async throws -> Response {
        let input = try await decode(PublishVersionRequest.self, from: request)
        if let description = input.Description, description.count > 256 {
            throw AWSError.invalidParameter("'Description' value failed to satisfy constraint: Member must have length less than or equal to 256")
        }
        let record = try functions.publishVersion(name: ref.name, description: input.Description, expectedCodeSha256: input.CodeSha256,
                                                  expectedRevision: input.RevisionId, account: account)
        return try json(FunctionConfiguration(record, account: account), status: .created)
    }

    func deleteFunction(_ ref: FunctionReference, account: Account) async throws -> Response {
        provisionedMeter.sample()  // bills its provisioned concurrency up to now
        try functions.delete(ref, account: account)
        if ref.qualifier == nil {
            try provisioning.delete(name: ref.name)
            try functionURLStore.deleteAll(function: ref.name)
            try reservedConcurrencyStore.delete(name: ref.name)
            reservedConcurrency.reserve(ref.name, nil)
        }
        try permissions.delete(function: ref.name, qualifier: ref.qualifier)
        await invoker.retire(functionName: ref.name, version: ref.qualifier)
        logger.info("Deleted function \(ref.name)\(ref.qualifier.map { ":" + $0 } ?? "")")
        return Response(status: .noContent)
    }

    /// Serves a stored deployment package: the target of GetFunction's Code.Location.
    func codeDownload(_ file: String) throws -> Response {
        let digest = file.hasSuffix(".zip") ? String(file.dropLast(4)) : file
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit),
              let data = try functions.code.zipData(digest: digest) else {
            throw AWSError.resourceNotFound("No deployment package \(file).")
        }
        return Response(status: .ok, headers: [.contentType: "application/zip"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
