/// The trampoline that puts an instance into its cgroup before anything of it runs, and ties
/// the instance's life to the server's.
///
/// `/bin/sh` lowers RLIMIT_NOFILE (soft and hard), writes its own pid into every
/// `cgroup.procs` file, then `exec`s the command: bubblewrap and the interpreter start inside
/// the cgroup, so their start-up memory is counted and the pids limit already holds. It costs
/// one exec of dash (about a millisecond); a failure to join exits 125 with the reason in the
/// instance's output.
///
/// With a lifeline, it first forks a watcher, outside the cgroup, that blocks reading the
/// lifeline pipe, whose other end only the server holds. If the server dies (even by SIGKILL),
/// the read ends with nothing: the watcher kills everything in the instance's cgroup, thaws
/// it (a frozen process cannot die), kills the command, and removes the cgroup. When the
/// server destroys the instance itself, it writes "q" first and the watcher just leaves.
public enum CgroupEntry {
    public static let shell = "/bin/sh"
    /// The descriptor the lifeline's read end has in the trampoline.
    public static let lifelineFD: Int32 = 5

    static let script = """
        n=$1; lifeline=$2; freezer=$3; shift 3; files=
        while [ "$1" != -- ]; do files="$files $1"; shift; done; shift
        ulimit -n "$n" || { echo "petrel: could not set RLIMIT_NOFILE to $n" >&2; exit 125; }
        if [ "$lifeline" != - ]; then
          (
            exec 3>&- 4<&- </dev/null >/dev/null 2>&1
            read -r word <&5
            [ "$word" = q ] && exit 0
            for round in 1 2 3 4 5; do
              for f in $files; do for p in $(cat "$f"); do kill -9 "$p"; done; done
              case $freezer in -) ;; *freezer.state) echo THAWED > "$freezer";; *) echo 0 > "$freezer";; esac
              [ -z "$files" ] && kill -9 $$
              sleep 0.1
            done
            for f in $files; do rmdir "${f%/cgroup.procs}"; done
          ) &
        fi
        exec 5<&-
        for f in $files; do echo $$ > "$f" || { echo "petrel: could not join cgroup $f" >&2; exit 125; }; done
        exec "$@"
        """

    /// argv that sets the open-files limit, optionally starts the lifeline watcher (its pipe's
    /// read end at `lifelineFD`), joins `procsFiles`, then runs `command`.
    public static func arguments(procsFiles: [String], openFilesMax: Int, command: [String],
                                 lifeline: Bool = false, freezerState: String? = nil) -> [String] {
        [shell, "-c", script, "petrel-enter", String(openFilesMax), lifeline ? "5" : "-", freezerState ?? "-"]
            + procsFiles + ["--"] + command
    }
}
