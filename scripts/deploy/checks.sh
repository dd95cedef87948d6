# Sourced by scripts/test-deploy: failing, timing, waiting, and the S3 server on the host.

fail() {
  echo "test-deploy: FAIL: $*" >&2
  exit 1
}

TIMINGS=()
PHASE_NAME=""
PHASE_STARTED=$SECONDS
phase() {  # NAME ("" ends the last one)
  [[ -n $PHASE_NAME ]] &&
    TIMINGS+=("$(printf '  %-76s %4ds' "$PHASE_NAME" $((SECONDS - PHASE_STARTED)))")
  PHASE_NAME=$1
  PHASE_STARTED=$SECONDS
  [[ -n $1 ]] && log "== $1"
  return 0
}
print_timings() {
  echo "== time by phase"
  printf '%s\n' "${TIMINGS[@]}"
}

# Polls COMMAND until it succeeds; fails naming WHAT after SECONDS.
wait_until() {  # SECONDS WHAT COMMAND...
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not after ${seconds} s"
    sleep 0.3
  done
}

# Every master's journal and the agents' stores' sizes, for the one who reads a failure.
save_journals() {  # WORK MASTERS...
  local work=$1 name
  shift
  for name in "$@"; do
    [[ -n ${CONTAINER_PID[$name]:-} ]] || continue
    in_master "$name" journalctl --no-pager -o short-iso >"$work/$name/journal.txt" 2>&1 || true
  done
}

# The strict S3 server: a single-node OpenStack Swift with its S3 API (tools/swift/swift-s3.py),
# on ADDRESS:PORT, with BUCKET made; writes the AWS credentials file and an s3cmd configuration
# into DIR. Sets S3_PID.
start_s3_server() {  # DIR ADDRESS PORT BUCKET
  local dir=$1 address=$2 port=$3 bucket=$4 key secret
  key=lockstep:deploy  # tempauth's ACCOUNT:USER
  secret=$(openssl rand -hex 20)
  mkdir -p -m 0700 "$dir/data"
  tools/swift/swift-s3.py --directory "$dir/data" --address "$address" --port "$port" \
    --access-key "$key" --secret-key "$secret" >"$dir/s3.log" 2>&1 &
  S3_PID=$!
  wait_until 90 "the S3 server on $address:$port ($dir/s3.log)" grep -q 'ready on' "$dir/s3.log"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key" "$secret" \
    >"$dir/credentials"
  cat >"$dir/s3cmd.cfg" <<CFG
[default]
access_key = $key
secret_key = $secret
host_base = $address:$port
host_bucket = $address:$port
bucket_location = us-east-1
use_https = False
signature_v2 = False
CFG
  chmod 0600 "$dir/credentials" "$dir/s3cmd.cfg"
  s3cmd -c "$dir/s3cmd.cfg" mb "s3://$bucket" >/dev/null
}
