# Sourced by scripts/test-deploy once the three masters run: what an operator does with the
# installed package, each step checked from outside (systemd, the journal, ZooKeeper itself).

CLI_MASTER=m1

cluster_urls() {
  local name urls=""
  for name in "${MASTERS[@]}"; do urls+="${urls:+,}$(master_url "$name")"; done
  echo "$urls"
}
zk_hosts() {
  local name hosts=""
  for name in "${MASTERS[@]}"; do hosts+="${hosts:+,}$(master_ip "$name"):$ZK_PORT"; done
  echo "$hosts"
}

# The package's /usr/bin/lockstep, run on CLI_MASTER as its operator would, with ROLE's token.
cli_as() {  # ROLE ARGS...
  local role=$1
  shift
  in_master "$CLI_MASTER" env LOCKSTEP_CLUSTER="$(cluster_urls)" \
    LOCKSTEP_TOKEN_FILE="/root/lockstep/$role-token" LOCKSTEP_CA_FILE=/etc/lockstep/tls/ca.pem \
    LOCKSTEP_CLIENT_CERT=/root/lockstep/operator.pem \
    LOCKSTEP_CLIENT_KEY=/root/lockstep/operator-key.pem lockstep "$@"
}
cli() { cli_as admin "$@"; }

# Reads FIELD (a Python expression over `j`) from JSON on stdin.
json_field() { /usr/bin/python3 -c "import json, sys; j = json.load(sys.stdin); print($1)"; }

# ZooKeeper from the host, with kazoo: runs the Python statements in CODE with `zk` connected.
zk_do() {  # CODE
  /usr/bin/python3 -c "
from kazoo.client import KazooClient
zk = KazooClient(hosts='$(zk_hosts)', timeout=10); zk.start(timeout=30)
$1
zk.stop()"
}

unit_property() {  # NAME UNIT PROPERTY
  in_master "$1" systemctl show -p "$3" --value "$2"
}

# Every master's ZooKeeper serving, one leader (cluster status exits 0 with a quorum already).
three_serving() {
  local status
  status=$(cli --json cluster status 2>/dev/null) || return 1
  [[ $(json_field 'j.get("serving", 0)' <<<"$status") == 3 ]]
}

# The unit's hardening in force on the running agent, as the kernel sees its process.
check_agent_hardening() {  # NAME
  local pid options
  pid=$(unit_property "$1" lockstep-agent.service MainPID)
  options=$(in_master "$1" findmnt --task "$pid" -no OPTIONS -T /usr) || true
  [[ ,$options, == *,ro,* ]] || fail "$1: /usr is mounted '$options' for the agent (ProtectSystem=strict)"
  options=$(in_master "$1" findmnt --task "$pid" -no OPTIONS -T /var/lib/lockstep) || true
  [[ ,$options, == *,rw,* ]] || fail "$1: the store is mounted '$options' for the agent"
  in_master "$1" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" ||
    fail "$1: the agent runs without NoNewPrivileges"
}

check_agents_active() {
  local name
  for name in "${MASTERS[@]}"; do
    wait_until 30 "$name: systemctl is-active lockstep-agent" \
      in_master "$name" systemctl is-active --quiet lockstep-agent
  done
  wait_until 90 "lockstep cluster status: three serving masters, one leader" three_serving
  check_agent_hardening m1
  cli cluster status
  for name in "${MASTERS[@]}"; do
    # Read whole, then searched: `grep -q` leaving early would fail the pipe (pipefail).
    in_master "$name" journalctl -u lockstep-agent -o cat --no-pager >"$WORK/$name/agent.journal"
    grep -q "level=info master=\"\\?$name\"\\? " "$WORK/$name/agent.journal" ||
      fail "$name: the journal holds no structured line of the agent naming master=$name"
  done
}

# Monotonic time each master's ZooKeeper unit last became active: changes when the agent has
# stopped and started it with systemctl.
zk_started_at() {  # NAME
  unit_property "$1" dcos-exhibitor.service ActiveEnterTimestampMonotonic
}
declare -A ZK_STARTED
remember_zk_starts() {
  local name
  for name in "${MASTERS[@]}"; do ZK_STARTED[$name]=$(zk_started_at "$name"); done
}
# How many masters' ZooKeeper units were restarted since remember_zk_starts.
zk_restarts_since() {
  local name count=0
  for name in "${MASTERS[@]}"; do
    [[ $(zk_started_at "$name") != "${ZK_STARTED[$name]}" ]] && count=$((count + 1))
  done
  echo "$count"
}

newest_backup_id() {  # LABEL
  cli --json backup list "$1" | json_field 'j[-1]["id"]'
}
backup_field() {  # ID FIELD-EXPRESSION
  cli --json backup show "$1" | json_field "$2"
}

remote_copy_ready() {  # ID
  [[ $(backup_field "$1" 'j.get("remote", {}).get("status", "")') == STATUS_READY ]]
}
archive_reached() {  # ZXID
  [[ $(cli --json archive status | json_field "int(j.get('latest_zxid') or '0', 16) >= $1") == True ]]
}

check_app_items() {  # COUNT WHAT
  local found
  found=$(zk_do 'print(len(zk.get_children("/deploy/app")) if zk.exists("/deploy/app") else 0)')
  [[ $found == "$1" ]] || fail "$2: /deploy/app has $found children, expected $1"
}

write_app_data() {
  zk_do '
for i in range(200):
    zk.create(f"/deploy/app/item-{i:03d}", f"value {i}".encode() * 50, makepath=True)
zk.set("/deploy/app", b"before the backups")'
  check_app_items 200 "after writing"
}

check_backups() {
  cli backup create --label deploy-online --wait
  ONLINE_ID=$(newest_backup_id deploy-online)
  [[ $(backup_field "$ONLINE_ID" 'j["status"]') == STATUS_READY ]] ||
    fail "backup $ONLINE_ID is not READY"
  wait_until 60 "backup $ONLINE_ID's copy in the bucket" remote_copy_ready "$ONLINE_ID"
  s3cmd -c "$WORK/s3/s3cmd.cfg" ls -r s3://lockstep-deploy/cluster-a/ >"$WORK/s3/listing"
  grep -q "$ONLINE_ID" "$WORK/s3/listing" ||
    fail "the bucket holds no object named after $ONLINE_ID"

  remember_zk_starts
  cli backup create --label deploy-offline --mode offline --wait
  local offline_id
  offline_id=$(newest_backup_id deploy-offline)
  [[ $(backup_field "$offline_id" 'j["status"]') == STATUS_READY ]] ||
    fail "offline backup $offline_id is not READY"
  local restarted
  restarted=$(zk_restarts_since)
  [[ $restarted == 1 ]] ||
    fail "an offline backup should stop and start one ZooKeeper unit, $restarted were restarted"
  wait_until 60 "three serving masters after the offline backup" three_serving
}

check_verify_deep() {
  cli backup verify "$ONLINE_ID" --deep
}

check_spot_restore() {
  zk_do '
for i in range(50): zk.delete(f"/deploy/app/item-{i:03d}")
zk.set("/deploy/app/item-050", b"overwritten")'
  check_app_items 150 "after the accident"
  remember_zk_starts
  cli backup restore "$ONLINE_ID" --path /deploy/app --yes --wait
  check_app_items 200 "after the spot restore"
  local value
  value=$(zk_do 'print(zk.get("/deploy/app/item-050")[0].decode()[:8])')
  [[ $value == "value 50" ]] || fail "item-050 holds '$value' after the spot restore"
  [[ $(zk_restarts_since) == 0 ]] || fail "a spot restore restarted a ZooKeeper unit"
}

# Whole-ensemble restores: every master's ZooKeeper unit stopped and started by the agent with
# systemctl, its directories swapped under the agent unit's ProtectSystem=strict.
# `backup restore ARGS`, which must stop and start every master's ZooKeeper unit and leave the
# ensemble serving with /deploy/app's 200 items.
restore_whole_ensemble() {  # WHAT ARGS...
  local what=$1
  shift
  remember_zk_starts
  # After a restore the coordinator may take a base backup for the archive's new history; a
  # restore asked meanwhile is refused as busy (exit 4) before anything stops: ask again once
  # the lock is free.
  local deadline=$((SECONDS + 180)) rc
  while :; do
    rc=0
    cli backup restore "$@" --yes --wait || rc=$?
    ((rc == 0)) && break
    ((rc == 4 && SECONDS < deadline)) || fail "$what: lockstep backup restore exited $rc"
    echo "  busy (an operation holds the lock): asking again once it is free"
    wait_until 120 "no operation holding the lock" no_operation_running
  done
  [[ $(zk_restarts_since) == 3 ]] ||
    fail "$what restarted $(zk_restarts_since) ZooKeeper units, expected 3"
  wait_until 60 "three serving masters after $what" three_serving
  check_app_items 200 "after $what"
}

check_point_in_time_restore() {
  local marker_zxid
  marker_zxid=$(zk_do '
zk.create("/deploy/marker", b"written after the backups")
print(hex(zk.exists("/deploy/marker").czxid))')
  zk_do 'zk.delete("/deploy/app", recursive=True)'
  check_app_items 0 "after deleting /deploy/app"
  wait_until 60 "the archive reaching $marker_zxid" archive_reached "$marker_zxid"
  restore_whole_ensemble "a point-in-time restore" --to-zxid "$marker_zxid"
  [[ $(zk_do 'print(bool(zk.exists("/deploy/marker")))') == True ]] ||
    fail "/deploy/marker (written at $marker_zxid) is missing after restoring to it"
}

check_whole_restore() {
  restore_whole_ensemble "a whole-ensemble restore" "$ONLINE_ID" --component zookeeper
  [[ $(zk_do 'print(bool(zk.exists("/deploy/marker")))') == False ]] ||
    fail "/deploy/marker, written after backup $ONLINE_ID, survived restoring it"
}

check_node_stop_start() {
  cli node stop-zk m2 --reason "test-deploy"
  [[ $(unit_property m2 dcos-exhibitor.service ActiveState) == inactive ]] ||
    fail "node stop-zk m2 left dcos-exhibitor $(unit_property m2 dcos-exhibitor.service ActiveState)"
  cli node start-zk m2
  wait_until 30 "m2's dcos-exhibitor active after start-zk" \
    in_master m2 systemctl is-active --quiet dcos-exhibitor
  wait_until 60 "three serving masters after start-zk" three_serving
}

coordinator_name() { cli --json cluster status | json_field 'j.get("coordinator", "")'; }
no_operation_running() { [[ -z $(cli --json cluster status | json_field 'j.get("current_operation", "")') ]]; }
backup_ended() {  # ID
  [[ $(backup_field "$1" 'j["status"]') =~ ^STATUS_(READY|ERROR)$ ]]
}

# `systemctl restart lockstep-agent` on the coordinator's master while an offline backup runs:
# the backup ends (READY, or ERROR saying it was interrupted), no operation is left holding the
# lock, every ZooKeeper unit is back, and the next backup is READY.
check_restart_mid_backup() {
  local coordinator id began
  coordinator=$(coordinator_name)
  [[ -n $coordinator ]] || fail "cluster status names no coordinator"
  id=$(cli --json backup create --label deploy-restart --mode offline | json_field 'j["id"]')
  began=$SECONDS
  local before
  before=$(backup_field "$id" 'j["status"]')
  [[ $before == STATUS_BACKING_UP ]] || fail "backup $id was $before before the restart, not running"
  in_master "$coordinator" systemctl restart lockstep-agent
  wait_until 120 "backup $id ending after its coordinator's agent restarted" backup_ended "$id"
  local status reason
  status=$(backup_field "$id" 'j["status"]')
  reason=$(backup_field "$id" 'j.get("reason", "")')
  echo "   backup $id, coordinator $coordinator restarted: $status after $((SECONDS - began)) s${reason:+ ($reason)}"
  wait_until 120 "no operation left after the restart" no_operation_running
  wait_until 120 "three serving masters after the restart" three_serving
  began=$SECONDS
  cli backup create --label deploy-after-restart --wait >/dev/null
  [[ $(backup_field "$(newest_backup_id deploy-after-restart)" 'j["status"]') == STATUS_READY ]] ||
    fail "the backup after the restart is not READY"
  echo "   the next backup: READY in $((SECONDS - began)) s"
}

agent_restarts() { unit_property "$1" lockstep-agent.service NRestarts; }
restarted_since() { [[ $(agent_restarts "$1") -gt $2 ]]; }  # NAME RESTARTS_BEFORE

# kill -9 of an agent: systemd restarts it (Restart=on-failure) and the cluster serves again.
check_agent_killed() {
  local name=m3 before began
  before=$(agent_restarts "$name")
  began=$SECONDS
  in_master "$name" systemctl kill --kill-who=main --signal=SIGKILL lockstep-agent
  wait_until 60 "systemd restarting $name's killed agent" restarted_since "$name" "$before"
  wait_until 60 "$name's agent active again" in_master "$name" systemctl is-active --quiet lockstep-agent
  wait_until 60 "three serving masters after the kill" three_serving
  echo "   $name's agent killed with SIGKILL: restarted by systemd, cluster healthy after $((SECONDS - began)) s"
}

# The package at the upgrade version: DEB with the programs linked at PROJECT_VERSION+upgrade1
# (packaging/CMakeLists.txt: lockstep-next, lockstep-agent-next) and that version in its control
# file; everything else as DEB ships it. Prints the new package's path.
make_upgrade_package() {  # DEB WORK
  local deb=$1 dir=$2/upgrade-package version
  ninja -C build lockstep-next lockstep-agent-next >"$2/upgrade-build.log" 2>&1 ||
    { cat "$2/upgrade-build.log" >&2; fail "building lockstep-next and lockstep-agent-next"; }
  rm -rf "$dir"
  dpkg-deb -R "$deb" "$dir"
  install -m 0755 build/packaging/lockstep-next "$dir/usr/bin/lockstep"
  install -m 0755 build/packaging/lockstep-agent-next "$dir/usr/bin/lockstep-agent"
  # Stripped as CPack strips the package's programs, when it does.
  if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/bin/lockstep | file - | grep -q 'not stripped'; then
    strip --strip-unneeded "$dir/usr/bin/lockstep" "$dir/usr/bin/lockstep-agent"
  fi
  version=$("$dir/usr/bin/lockstep-agent" --version | awk '{print $2}')
  sed -i "s/^Version: .*/Version: $version/" "$dir/DEBIAN/control"
  if [[ -f $dir/DEBIAN/md5sums ]]; then
    (cd "$dir" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum) \
      >"$dir/DEBIAN/md5sums"
  fi
  dpkg-deb --root-owner-group -b "$dir" "$2/lockstep-upgrade.deb" >/dev/null
  echo "$2/lockstep-upgrade.deb"
}

master_version() {  # NAME
  cli --json cluster status |
    json_field "next((m.get('version', '') for m in j['masters'] if m['name'] == '$1'), '')"
}
master_at_version() { [[ $(master_version "$1") == "$2" ]]; }  # NAME VERSION

# A writer on the host, creating sequential znodes as fast as ZooKeeper acknowledges them until
# STOP_FILE appears; then prints acknowledged writes, failed writes and the longest gap between
# two acknowledgements (ms).
start_writer() {  # STOP_FILE OUT
  /usr/bin/python3 - "$1" "$2" "$(zk_hosts)" <<'PY' &
import os, sys, time
from kazoo.client import KazooClient
stop, out, hosts = sys.argv[1:4]
zk = KazooClient(hosts=hosts, timeout=10); zk.start(timeout=30)
zk.ensure_path("/deploy/load")
acked = failed = 0
last = time.monotonic(); gap = 0.0
while not os.path.exists(stop):
    try:
        zk.create("/deploy/load/w-", b"x", sequence=True)
        acked += 1
        now = time.monotonic(); gap = max(gap, now - last); last = now
    except Exception:
        failed += 1
        time.sleep(0.05)
zk.stop()
open(out, "w").write(f"{acked} {failed} {int(gap * 1000)}\n")
PY
  WRITER_PID=$!
}

# An upgrade one master at a time while a writer runs: apt-get installs the higher version, the
# agent is restarted (the package leaves a running agent alone on upgrade), and the cluster must
# keep serving; the store, catalog and archive survive, and the new version answers.
check_rolling_upgrade() {
  local next_deb next_version backups_before earliest_before name began
  next_deb=$(make_upgrade_package "$DEB" "$WORK")
  next_version=$(dpkg-deb -f "$next_deb" Version)
  backups_before=$(cli --json backup list | json_field 'len(j)')
  earliest_before=$(cli --json archive status | json_field 'j.get("earliest_zxid", "")')
  start_writer "$WORK/writer.stop" "$WORK/writer.out"
  for name in "${MASTERS[@]}"; do
    cp "$next_deb" "$WORK/$name/root/root/lockstep-upgrade.deb"
    in_master "$name" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      /root/lockstep-upgrade.deb >"$WORK/$name/upgrade.log" 2>&1 ||
      { cat "$WORK/$name/upgrade.log" >&2; fail "$name: apt-get install of $next_version failed"; }
    began=$SECONDS
    in_master "$name" systemctl restart lockstep-agent
    wait_until 60 "$name answering at version $next_version" master_at_version "$name" "$next_version"
    wait_until 60 "three serving masters after upgrading $name" three_serving
    echo "   $name upgraded to $next_version: serving again after $((SECONDS - began)) s"
  done
  touch "$WORK/writer.stop"
  wait "$WRITER_PID"
  local acked failed gap
  read -r acked failed gap <"$WORK/writer.out"
  echo "   writer during the upgrade: $acked writes acknowledged, $failed failed, longest gap ${gap} ms"
  ((acked > 0)) || fail "the writer wrote nothing during the upgrade"
  ((failed == 0)) || fail "$failed writes failed during the upgrade: ZooKeeper stopped serving"
  [[ $(cli --json backup list | json_field 'len(j)') == "$backups_before" ]] ||
    fail "the catalog held $backups_before backups before the upgrade and not after"
  [[ $(cli --json archive status | json_field 'j.get("earliest_zxid", "")') == "$earliest_before" ]] ||
    fail "the archive's window no longer starts at $earliest_before after the upgrade"
  cli backup create --label deploy-upgraded --wait >/dev/null
  [[ $(backup_field "$(newest_backup_id deploy-upgraded)" 'j["status"]') == STATUS_READY ]] ||
    fail "the backup after the upgrade is not READY"
  [[ $(in_master "$CLI_MASTER" lockstep --version) == "lockstep $next_version" ]] ||
    fail "the upgraded CLI says '$(in_master "$CLI_MASTER" lockstep --version)'"
}

# apt-get purge on one master: the agent stops, its unit and programs go; what stays is what the
# operator wrote (/etc/lockstep/agent.toml and the secrets beside it) and the master's copies of
# the backups (/var/lib/lockstep, kept on purge on purpose). ZooKeeper's unit is not the
# package's and keeps serving.
check_purge() {
  local name=m3 leftover
  in_master "$name" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq lockstep \
    >"$WORK/$name/purge.log" 2>&1 || { cat "$WORK/$name/purge.log" >&2; fail "$name: apt-get purge"; }
  in_master "$name" pgrep -x lockstep-agent >/dev/null && fail "$name: lockstep-agent still runs after purge"
  leftover=$(in_master "$name" systemctl list-unit-files --no-legend 'lockstep*' || true)
  [[ -z $leftover ]] || fail "$name: systemd still knows '$leftover' after purge"
  leftover=$(in_master "$name" find /etc/systemd /lib/systemd /usr/lib/systemd /usr/bin /usr/share \
    /etc/lockstep /run /var/lib/systemd -name '*lockstep*' -not -path /etc/lockstep 2>/dev/null || true)
  [[ -z $leftover ]] || fail "$name: left after purge: $leftover"
  in_master "$name" test -d /var/lib/lockstep || fail "$name: purge removed the backups' store"
  in_master "$name" systemctl is-active --quiet dcos-exhibitor ||
    fail "$name: purging the agent stopped ZooKeeper"
}

run_scenario() {
  phase "agents active under systemd, three serving masters, structured journal"
  check_agents_active
  phase "an online and an offline backup (the offline one stops one ZooKeeper unit)"
  write_app_data
  check_backups
  phase "backup verify --deep"
  check_verify_deep
  phase "a spot restore (--path, online)"
  check_spot_restore
  phase "a point-in-time restore (every ZooKeeper unit restarted)"
  check_point_in_time_restore
  phase "a whole-ensemble restore (every ZooKeeper unit restarted)"
  check_whole_restore
  phase "node stop-zk / start-zk"
  check_node_stop_start
  phase "systemctl restart lockstep-agent on the coordinator's master mid-backup"
  check_restart_mid_backup
  phase "kill -9 of an agent"
  check_agent_killed
  phase "an upgrade, one master at a time, under a writer"
  check_rolling_upgrade
  phase "apt-get purge"
  check_purge
}
