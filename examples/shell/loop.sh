#!/usr/bin/env bash
# A Posterior tuning loop in plain shell: curl for HTTP, jq for JSON, awk for the "training".
#
#   npm start                      # in one terminal
#   bash examples/shell/loop.sh    # in another; TRIALS=20 for more trials
#
# Reads the server from POSTERIOR_URL (default http://127.0.0.1:8080) and an API key from
# POSTERIOR_API_KEY. Replace `objective` with your own command: it gets the parameters as
# JSON on stdin and the epoch as its argument, and prints one number; a non-zero exit is
# reported as a failed trial. Each trial trains 2 epochs: the loss after the first one is
# reported, and the study's early stopping (ASHA) stops a trial that is not among the best
# there, before its second epoch.
set -euo pipefail

url="${POSTERIOR_URL:-http://127.0.0.1:8080}"
trials="${TRIALS:-10}"
auth=()
if [ -n "${POSTERIOR_API_KEY:-}" ]; then auth=(-H "Authorization: Bearer ${POSTERIOR_API_KEY}"); fi

# api METHOD PATH [BODY] [extra curl args...]: the answer's body on stdout; on an error
# answer, the problem document's code and detail on stderr, and exit 1.
api() {
  local method="$1" path="$2" body="${3:-}" out status data=()
  shift 3 || shift $#
  if [ -n "$body" ]; then data=(-H 'content-type: application/json' --data "$body"); fi
  out="$(mktemp)"
  status="$(curl -sS -o "$out" -w '%{http_code}' -X "$method" "${auth[@]}" "${data[@]}" "$@" "$url$path")"
  if [ "$status" -ge 400 ]; then
    jq -r '"\(.code) (\(.status)): \(.detail // .title)"' <"$out" >&2 || cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# The "training run", `objective EPOCH`: a noise-free bowl with its minimum at x = 0.3,
# y = -1, reached after epoch 2; after epoch 1 the loss is 0.5 higher.
objective() {
  jq -r '"\(.x) \(.y)"' | awk -v epoch="$1" '{ printf "%.6f\n", ($1 - 0.3) ^ 2 + 0.5 * ($2 + 1) ^ 2 + 0.5 * (2 - epoch) }'
}

study_id="$(api POST /v1/studies '{
  "name": "shell-loop",
  "parameters": [
    {"name": "x", "type": "float", "low": -2, "high": 2},
    {"name": "y", "type": "float", "low": -3, "high": 3}
  ],
  "objective": {"name": "loss", "goal": "minimize"},
  "options": {"earlyStopping": {"rule": "asha", "maxStep": 2}}
}' | jq -r .id)"
echo "study $study_id"

for ((i = 0; i < trials; i++)); do
  # curl retries a 5xx or a refused connection with the same Idempotency-Key, so a retry
  # returns the same trial instead of leasing another one.
  key="shell-$$-$i"
  trial="$(api POST "/v1/studies/$study_id/suggest" '{}' -H "Idempotency-Key: $key" --retry 3 --retry-connrefused |
    jq -c '.trials[0]')"
  trial_id="$(jq -r .id <<<"$trial")" number="$(jq -r .number <<<"$trial")" params="$(jq -c .params <<<"$trial")"
  if ! value="$(objective 1 <<<"$params")" || [ -z "$value" ]; then
    api POST "/v1/studies/$study_id/observe" "$(jq -nc --arg t "$trial_id" '{trialId: $t, failed: true, reason: "objective failed"}')" >/dev/null
    echo "trial $number  failed"
    continue
  fi
  # After epoch 1: report, and stop if told to. The same step and value again is a retry
  # that gets the same answer, so curl may retry it too.
  answer="$(api POST "/v1/studies/$study_id/trials/$trial_id/report" "$(jq -nc --argjson v "$value" '{step: 1, value: $v}')" \
    --retry 3 --retry-connrefused)"
  if [ "$(jq -r .decision <<<"$answer")" = stop ]; then
    echo "trial $number  stopped after epoch 1, loss $value  $params  ($(jq -r .reason <<<"$answer"))"
    continue # the trial is stopped with this value: nothing to observe
  fi
  if value="$(objective 2 <<<"$params")" && [ -n "$value" ]; then
    api POST "/v1/studies/$study_id/observe" "$(jq -nc --arg t "$trial_id" --argjson v "$value" '{trialId: $t, value: $v}')" >/dev/null
    echo "trial $number  loss $value  $params"
  else
    api POST "/v1/studies/$study_id/observe" "$(jq -nc --arg t "$trial_id" '{trialId: $t, failed: true, reason: "objective failed"}')" >/dev/null
    echo "trial $number  failed"
  fi
done

api GET "/v1/studies/$study_id/best" | jq -r '"best loss \(.value) at \(.params | tojson) (trial \(.number))"'
