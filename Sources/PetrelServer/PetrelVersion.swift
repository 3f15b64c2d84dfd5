/// Petrel's version, as `petrel --version` and `/_petrel/status` report it.
public enum PetrelVersion {
    public static let text = "0.1.0"
}
