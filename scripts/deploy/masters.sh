# Sourced by scripts/test-deploy: what an operator writes on each master before enabling the
# agent, laid out as on a DC/OS master. ZooKeeper's configuration and data live where DC/OS keeps
# them (/var/lib/dcos/exhibitor/conf/zoo.cfg, .../zookeeper/{snapshot,transactions}), so the
# package's unit and agent.toml.example are tested with the defaults they ship.

MASTER_ADDRESS_PREFIX=127.0.3  # master mN listens on 127.0.3.N
AGENT_PORT=8420
ZK_PORT=2181
ZK_DIR=/var/lib/dcos/exhibitor/zookeeper

master_ip() { echo "$MASTER_ADDRESS_PREFIX.${1#m}"; }
master_url() { echo "https://$(master_ip "$1"):$AGENT_PORT"; }

# The cluster's secrets, made once per run under SECRETS: a CA with one certificate per master
# (its address as subjectAltName; also its client certificate towards peers), one for the
# operator's CLI, named tokens of the three roles and the agents' own credential, and an age
# identity the backups are encrypted to.
make_cluster_secrets() {  # SECRETS MASTERS...
  local dir=$1 name
  shift
  mkdir -p -m 0700 "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=lockstep-deploy-ca \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  for name in "$@" operator; do
    local san=""
    [[ $name != operator ]] && san="subjectAltName=IP:$(master_ip "$name")"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$dir/$name-key.pem" \
      -out "$dir/$name.csr" 2>/dev/null
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
      -CAcreateserial -days 2 -out "$dir/$name.pem" ${san:+-extfile <(echo "$san")} 2>/dev/null
  done
  local role
  : >"$dir/tokens.toml"
  for role in admin operator viewer; do
    openssl rand -hex 32 >"$dir/$role-token"
    printf '[[tokens]]\nname = "deploy-%s"\nrole = "%s"\ntoken = "%s"\n\n' \
      "$role" "$role" "$(cat "$dir/$role-token")" >>"$dir/tokens.toml"
  done
  openssl rand -hex 32 >"$dir/cluster-token"
  age-keygen -o "$dir/age-identity" 2>/dev/null
  chmod 0600 "$dir"/*
}

zoo_cfg_of() {  # NAME MASTERS...
  local name=$1 peer
  shift
  cat <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$ZK_DIR/snapshot
dataLogDir=$ZK_DIR/transactions
clientPort=$ZK_PORT
clientPortAddress=$(master_ip "$name")
4lw.commands.whitelist=*
admin.enableServer=false
maxClientCnxns=0
CFG
  for peer in "$@"; do echo "server.${peer#m}=$(master_ip "$peer"):2888:3888"; done
}

agent_toml_of() {  # NAME S3_ENDPOINT AGE_RECIPIENT MASTERS...
  local name=$1 s3=$2 recipient=$3 peer
  shift 3
  cat <<TOML
name = "$name"
listen = "$(master_ip "$name"):$AGENT_PORT"
zoo_cfg = "/var/lib/dcos/exhibitor/conf/zoo.cfg"
store_dir = "/var/lib/lockstep"
tokens_file = "/etc/lockstep/tokens.toml"
cluster_token_file = "/etc/lockstep/cluster-token"

[tls]
cert_file = "/etc/lockstep/tls/agent.pem"
key_file = "/etc/lockstep/tls/agent-key.pem"
ca_file = "/etc/lockstep/tls/ca.pem"
client_ca_file = "/etc/lockstep/tls/ca.pem"
client_cert_file = "/etc/lockstep/tls/agent.pem"
client_key_file = "/etc/lockstep/tls/agent-key.pem"
TOML
  for peer in "$@"; do
    [[ $peer == "$name" ]] && continue
    printf '\n[[peers]]\nname = "%s"\nurl = "%s"\n' "$peer" "$(master_url "$peer")"
  done
  cat <<TOML

[repository]
endpoint = "$s3"
bucket = "lockstep-deploy"
prefix = "cluster-a/"
region = "us-east-1"
credentials_file = "/etc/lockstep/s3-credentials"
path_style = true

[encryption]
recipients = ["$recipient"]
identity_file = "/etc/lockstep/age-identity"

[controller]
backend = "systemd"

[controller.systemd]
unit = "dcos-exhibitor"
TOML
}

# ZooKeeper as its own unit, named as DC/OS names the unit that runs it. Debian's zookeeperd
# ships only a SysV init script (start-stop-daemon, /etc/zookeeper, /var/lib/zookeeper); this
# unit runs Debian's ZooKeeper in the foreground with DC/OS's paths instead, so the agent's
# systemd backend stops and starts it exactly as it would dcos-exhibitor.
zookeeper_unit() {
  cat <<'UNIT'
[Unit]
Description=ZooKeeper (Debian's package, laid out as DC/OS's dcos-exhibitor runs it)
After=network-online.target

[Service]
Type=simple
ExecStart=/usr/bin/java -Xmx256m -Dzookeeper.log.dir=/var/log/zookeeper \
  -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
  org.apache.zookeeper.server.quorum.QuorumPeerMain /var/lib/dcos/exhibitor/conf/zoo.cfg
Restart=on-failure
RestartSec=2s
SuccessExitStatus=143

[Install]
WantedBy=multi-user.target
UNIT
}

# Writes NAME's configuration into its root (before it boots): everything the operator puts on
# a master, private files 0600 under /etc/lockstep.
write_master_config() {  # ROOT NAME SECRETS S3_ENDPOINT S3_CREDENTIALS MASTERS...
  local root=$1 name=$2 secrets=$3 s3=$4 s3_credentials=$5 recipient
  shift 5
  recipient=$(sed -n 's/^# public key: //p' "$secrets/age-identity")
  install -d -m 0755 "$root/etc/lockstep" "$root/var/lib/dcos/exhibitor/conf" \
    "$root$ZK_DIR/snapshot" "$root$ZK_DIR/transactions"
  install -d -m 0700 "$root/etc/lockstep/tls"
  zoo_cfg_of "$name" "$@" >"$root/var/lib/dcos/exhibitor/conf/zoo.cfg"
  echo "${name#m}" >"$root$ZK_DIR/snapshot/myid"
  agent_toml_of "$name" "$s3" "$recipient" "$@" >"$root/etc/lockstep/agent.toml"
  install -m 0600 "$secrets/tokens.toml" "$secrets/cluster-token" "$secrets/age-identity" \
    "$root/etc/lockstep/"
  install -m 0600 "$s3_credentials" "$root/etc/lockstep/s3-credentials"
  install -m 0644 "$secrets/ca.pem" "$root/etc/lockstep/tls/ca.pem"
  install -m 0644 "$secrets/$name.pem" "$root/etc/lockstep/tls/agent.pem"
  install -m 0600 "$secrets/$name-key.pem" "$root/etc/lockstep/tls/agent-key.pem"
  zookeeper_unit >"$root/etc/systemd/system/dcos-exhibitor.service"
  # The operator's CLI on this master: its tokens and client certificate, in root's home.
  install -d -m 0700 "$root/root/lockstep"
  install -m 0600 "$secrets/admin-token" "$secrets/viewer-token" "$secrets/operator.pem" \
    "$secrets/operator-key.pem" "$secrets/age-identity" "$root/root/lockstep/"
}
