# targets.bash - SSH targets for the fleet test and benchmark (sourced).
# Each target is an sshd on 127.0.0.1 with its own port, started inside its
# own mount and UTS namespace (unshare -m -u): its own host name, and its own
# planted tree bind-mounted over the shared sweep directory $FLEET/sweep, so
# one path shows different files on each host. Needs root, sshd, unshare.
# Usage: fleet_setup DIR; fleet_start NAME TREE -> sets FLEET_PORT; fleet_stop
FLEET_PIDS=()

fleet_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# fleet_setup DIR: a client key for the controller and the sweep mount point.
fleet_setup() {
    FLEET=$1
    mkdir -p "$FLEET/sweep" /run/sshd
    chmod 700 "$FLEET"
    ssh-keygen -q -t ed25519 -N '' -f "$FLEET/client_key" -C vigil-fleet-test
    cp "$FLEET/client_key.pub" "$FLEET/authorized_keys"
}

# fleet_start NAME TREE: an sshd for host NAME whose $FLEET/sweep is TREE.
fleet_start() {
    local name=$1 tree=$2 dir="$FLEET/host-$1"
    mkdir -p "$dir"
    ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
    FLEET_PORT=$(fleet_free_port)
    cat > "$dir/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $FLEET_PORT
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $FLEET/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
    unshare -m -u --propagation private bash -c '
        hostname "$1" && mount --bind "$2" "$3" && exec /usr/sbin/sshd -D -e -f "$4"' \
        fleet-target "$name" "$tree" "$FLEET/sweep" "$dir/sshd_config" > "$dir/sshd.log" 2>&1 &
    FLEET_PIDS+=($!)
    local i
    for i in $(seq 1 100); do
        ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
            -o ConnectTimeout=2 -i "$FLEET/client_key" -p "$FLEET_PORT" root@127.0.0.1 true 2> /dev/null && return 0
        sleep 0.1
    done
    echo "fleet: sshd for $name did not come up:" >&2
    cat "$dir/sshd.log" >&2
    return 1
}

fleet_stop() {
    local p
    for p in "${FLEET_PIDS[@]}"; do kill "$p" 2> /dev/null; done
    for p in "${FLEET_PIDS[@]}"; do wait "$p" 2> /dev/null; done
    FLEET_PIDS=()
}

# fleet_inventory FILE NAME:PORT...: an inventory of those targets, with the
# test's client key; extra per-host variables may follow each NAME:PORT as
# NAME:PORT:key=value,key=value.
fleet_inventory() {
    local file=$1; shift
    {
        echo "[targets]"
        local spec name port vars
        for spec in "$@"; do
            IFS=: read -r name port vars <<< "$spec"
            printf '%s ansible_host=127.0.0.1 ansible_port=%s %s\n' "$name" "$port" "${vars//,/ }"
        done
        echo
        echo "[targets:vars]"
        echo "ansible_user=root"
        echo "ansible_python_interpreter=/usr/bin/python3"
        echo "ansible_ssh_private_key_file=$FLEET/client_key"
        echo "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5'"
    } > "$file"
}
