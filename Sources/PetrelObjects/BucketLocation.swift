/// Where CreateBucket puts a bucket, by S3's rules for the `LocationConstraint` against the
/// region the request was signed for: us-east-1's endpoint creates in any other region, and
/// takes no constraint (or none at all) for itself; every other regional endpoint creates only
/// in its own region, named explicitly.
public enum BucketLocation {
    public static func region(constraint: String?, requestRegion: String) throws -> String {
        let named = constraint.flatMap { $0.isEmpty ? nil : ($0 == "EU" ? "eu-west-1" : $0) }
        guard let named else {
            guard requestRegion == "us-east-1" else { throw S3Error.illegalLocationConstraint(nil) }
            return requestRegion
        }
        if requestRegion == "us-east-1" {
            guard named != "us-east-1" else { throw S3Error.invalidLocationConstraint() }
            return named
        }
        guard named == requestRegion else { throw S3Error.illegalLocationConstraint(constraint) }
        return named
    }
}
