#!/usr/bin/env python3
"""Checks of the deployment files in deploy/, each a CTest test of its own.

  check_deploy.py config ROOT TIMEBANKD       the sample configuration
  check_deploy.py systemd ROOT TIMEBANKD CLI  the systemd units
  check_deploy.py manifests ROOT TIMEBANKD    the Kubernetes manifests
  check_deploy.py containerfile ROOT          the container build

Each prints what it checked and exits 1 with the reasons when something is
wrong, and 1 (never 0) when a tool it needs is missing: deploy/setup.sh
installs them.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# timebankd's own options that are not server settings.
META_FLAGS = {"config", "check-config"}
KEY_LINE = re.compile(r"^\s*(#\s*)?([a-z][a-z0-9-]*)\s*=\s*(.+?)\s*$")

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def finish(what):
    if failures:
        print("%d problem(s) in %s" % (len(failures), what))
        sys.exit(1)
    print("ok: " + what)
    sys.exit(0)


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)


def config_keys(text):
    """{key: (value, active)} for `key = value` and `# key = value` lines."""
    keys = {}
    for line in text.splitlines():
        match = KEY_LINE.match(line)
        if match and not line.lstrip().startswith("##"):
            keys[match.group(2)] = (match.group(3), match.group(1) is None)
    return keys


def timebankd_settings(timebankd, *args):
    """The settings timebankd would run with, from --check-config."""
    result = run([timebankd, *args, "--check-config"])
    if result.returncode != 0:
        fail("timebankd %s --check-config exited %d: %s"
             % (" ".join(args), result.returncode, result.stderr.strip()))
        return {}
    settings = {}
    for line in result.stdout.splitlines():
        match = KEY_LINE.match(line)
        if match and match.group(1) is None:
            settings[match.group(2)] = match.group(3)
    return settings


def flag_names(timebankd):
    """Every long flag of timebankd (not of its subcommands), from --help."""
    result = run([timebankd, "--help"])
    options = result.stdout.split("Subcommands:")[0]
    return set(re.findall(r"--([a-z][a-z0-9-]*)", options)) - META_FLAGS - {"help"}


def check_config(root, timebankd):
    path = os.path.join(root, "deploy", "timebankd.conf")
    with open(path) as f:
        text = f.read()
    keys = config_keys(text)
    flags = flag_names(timebankd)
    if len(flags) < 10:
        fail("found only %d flags in timebankd --help" % len(flags))
    for flag in sorted(flags - set(keys)):
        fail("flag --%s is not explained in deploy/timebankd.conf" % flag)
    for key in sorted(set(keys) - flags):
        fail("deploy/timebankd.conf has %s, which is no flag of timebankd" % key)
    # The file as it stands parses, and timebankd reads each value as written.
    settings = timebankd_settings(timebankd, "--config", path)
    for key, (value, active) in sorted(keys.items()):
        if active and settings.get(key, "").strip('"') != value.strip('"'):
            fail("%s = %s in the file, but timebankd reads %s"
                 % (key, value, settings.get(key)))
    # Every commented example parses too, with stand-ins for the files that
    # must exist.
    with tempfile.TemporaryDirectory() as work:
        lines = []
        for key, (value, active) in sorted(keys.items()):
            if key.startswith("tls-"):
                stand_in = os.path.join(work, key + ".pem")
                open(stand_in, "w").close()
                value = '"%s"' % stand_in
            elif key == "ready-file":
                value = '"%s"' % os.path.join(work, "ready")
            lines.append("%s = %s" % (key, value))
        every = os.path.join(work, "every.conf")
        with open(every, "w") as f:
            f.write("\n".join(lines) + "\n")
        timebankd_settings(timebankd, "--config", every)
        # And a misspelt key is refused, so the checks above can fail.
        typo = os.path.join(work, "typo.conf")
        with open(typo, "w") as f:
            f.write('lisen = "127.0.0.1:1"\n')
        if run([timebankd, "--config", typo, "--check-config"]).returncode == 0:
            fail("timebankd accepted a misspelt key in a configuration file")
    print("checked %d keys against %d flags" % (len(keys), len(flags)))
    finish("deploy/timebankd.conf")


def unit_values(text, key):
    return [line.split("=", 1)[1].strip() for line in text.splitlines()
            if line.startswith(key + "=")]


def check_systemd(root, timebankd, cli):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        fail("systemd-analyze is missing: run deploy/setup.sh (package systemd)")
        finish("deploy/systemd")
    source = os.path.join(root, "deploy", "systemd")
    server_unit = open(os.path.join(source, "timebankd.service")).read()
    # The sandbox docs/operations.md promises.
    for key, expected in [("User", "timebank"), ("ProtectSystem", "strict"),
                          ("NoNewPrivileges", "yes")]:
        if expected not in unit_values(server_unit, key):
            fail("timebankd.service: %s=%s is missing" % (key, expected))
    writable = " ".join(unit_values(server_unit, "ReadWritePaths"))
    config = config_keys(open(os.path.join(root, "deploy", "timebankd.conf")).read())
    for key in ("data-dir", "backup-dir"):
        path = config[key][0].strip('"')
        if path not in writable.split():
            fail("timebankd.service: ReadWritePaths lacks %s (%s)" % (path, key))
    if "/etc/timebank/timebankd.conf" not in " ".join(unit_values(server_unit, "ExecStart")):
        fail("timebankd.service: ExecStart does not read /etc/timebank/timebankd.conf")
    # systemd-analyze verify checks that the programs exist: point the units
    # at the built ones.
    with tempfile.TemporaryDirectory() as work:
        for name in sorted(os.listdir(source)):
            text = open(os.path.join(source, name)).read()
            text = text.replace("/usr/local/bin/timebankd", timebankd)
            text = text.replace("/usr/local/bin/timebank ", cli + " ")
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        units = [os.path.join(work, name) for name in sorted(os.listdir(work))]
        result = run([analyze, "verify", *units],
                     env=dict(os.environ, SYSTEMD_LOG_LEVEL="warning"))
        # Lines about the host's own units (which may be broken in a
        # container) are not ours.
        ours = [line for line in (result.stdout + result.stderr).splitlines()
                if work in line or any(name in line for name in os.listdir(work))]
        for line in ours:
            fail("systemd-analyze verify: " + line)
        if result.returncode != 0 and not ours:
            print("note: systemd-analyze exited %d about other units:\n%s"
                  % (result.returncode, result.stderr))
        print("verified %s" % ", ".join(sorted(os.listdir(work))))
    finish("deploy/systemd")


def load_yaml(path):
    try:
        import yaml  # Debian: python3-yaml, installed by deploy/setup.sh.
    except ImportError:
        fail("python3-yaml is missing: run deploy/setup.sh")
        finish("deploy/k8s")
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def check_metrics(docs, pod, container, ports, config, mounts):
    """Metrics bind the pod's address, need a token from a Secret, name no
    timebank, and only the monitoring namespace may reach them."""
    args = container.get("args", [])
    listen = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--metrics-listen"]
    if "metrics-listen" in config:
        fail("the ConfigMap sets metrics-listen; the container's args set it to the pod's address")
    if listen != ["$(POD_IP):%s" % ports.get("metrics")]:
        fail("--metrics-listen in the container's args is %s, not $(POD_IP):%s"
             % (listen, ports.get("metrics")))
    env = {e["name"]: e for e in container.get("env", [])}
    pod_ip = env.get("POD_IP", {}).get("valueFrom", {}).get("fieldRef", {})
    if pod_ip.get("fieldPath") != "status.podIP":
        fail("POD_IP does not come from status.podIP")
    token_file = config.get("metrics-token-file", ("", False))
    if not token_file[1]:
        fail("the ConfigMap sets no metrics-token-file")
    token_dir = os.path.dirname(token_file[0].strip('"'))
    secrets = {v["name"]: v["secret"] for v in pod["spec"]["volumes"] if "secret" in v}
    mounted = [name for name, path in mounts.items() if path == token_dir]
    if not mounted or mounted[0] not in secrets:
        fail("metrics-token-file is not on a mounted Secret (%s)" % token_dir)
    elif secrets[mounted[0]].get("defaultMode", 0o644) & 0o007:
        fail("the metrics token Secret is readable by others")
    if config.get("metrics-per-timebank", ("false", False))[0] == "true":
        fail("the ConfigMap names timebanks in metrics (metrics-per-timebank)")
    policy = docs["NetworkPolicy"]["spec"]
    for rule in policy.get("ingress", []):
        rule_ports = {str(p.get("port")) for p in rule.get("ports", [])}
        if rule_ports & {"metrics", str(ports.get("metrics"))} and not rule.get("from"):
            fail("the NetworkPolicy lets anyone reach the metrics port")
        if not rule.get("ports"):
            fail("the NetworkPolicy has a rule for every port")


def check_manifests(root, timebankd):
    directory = os.path.join(root, "deploy", "k8s")
    docs = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".yaml"):
            for doc in load_yaml(os.path.join(directory, name)):
                if "kind" not in doc:
                    fail("%s: a document without kind" % name)
                    continue
                docs[doc["kind"]] = doc
    kustomization = docs.get("Kustomization", {})
    for name in kustomization.get("resources", []):
        if not os.path.exists(os.path.join(directory, name)):
            fail("kustomization.yaml names %s, which is missing" % name)
    for kind in ("StatefulSet", "Service", "ConfigMap", "CronJob", "NetworkPolicy"):
        if kind not in docs:
            fail("no %s among the manifests" % kind)
    if failures:
        finish("deploy/k8s")
    stateful, service = docs["StatefulSet"], docs["Service"]
    pod = stateful["spec"]["template"]
    container = pod["spec"]["containers"][0]
    labels = pod["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in service["spec"]["selector"].items()):
        fail("the Service does not select the StatefulSet's pods")
    if stateful["spec"]["serviceName"] != service["metadata"]["name"]:
        fail("the StatefulSet's serviceName is not the Service")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, service_name in (("readinessProbe", None), ("livenessProbe", "liveness")):
        grpc = container.get(probe, {}).get("grpc")
        if grpc is None or grpc.get("port") != ports.get("grpc"):
            fail("%s does not use gRPC health on the gRPC port" % probe)
        elif grpc.get("service") != service_name:
            fail("%s asks health service %r, not %r"
                 % (probe, grpc.get("service"), service_name))
    resources = container["resources"]
    if resources["requests"]["memory"] != "512Mi" or resources["limits"]["memory"] != "1Gi":
        fail("memory should be 512Mi requested, 1Gi limit: %s" % resources)
    claims = {c["metadata"]["name"] for c in stateful["spec"]["volumeClaimTemplates"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    config_text = docs["ConfigMap"]["data"]["timebankd.conf"]
    config = config_keys(config_text)
    for claim, key in (("data", "data-dir"), ("backups", "backup-dir")):
        if claim not in claims:
            fail("no persistent volume claim %s" % claim)
        if mounts.get(claim) != config[key][0].strip('"'):
            fail("volume %s is not mounted at %s" % (claim, key))
    if mounts.get("config") != "/etc/timebank":
        fail("the ConfigMap is not mounted at /etc/timebank")
    check_metrics(docs, pod, container, ports, config, mounts)
    if int(pod["spec"]["terminationGracePeriodSeconds"]) <= int(config["drain-seconds"][0]):
        fail("terminationGracePeriodSeconds must exceed drain-seconds")
    if not pod["spec"]["securityContext"].get("runAsNonRoot"):
        fail("the pod may run as root")
    # The ConfigMap's configuration is one timebankd accepts.
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "timebankd.conf")
        with open(path, "w") as f:
            f.write(config_text)
        settings = timebankd_settings(timebankd, "--config", path)
        if settings and settings.get("listen", "").strip('"') != "0.0.0.0:50051":
            fail("the ConfigMap's listen is not 0.0.0.0:50051")
    job = docs["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    backup = job["containers"][0]
    command = " ".join(backup.get("command", []) + backup.get("args", []))
    if "timebank admin backup" not in command:
        fail("the CronJob does not run `timebank admin backup`: %s" % command)
    if "timebank-0.%s:%d" % (service["metadata"]["name"], ports["grpc"]) not in command:
        fail("the CronJob does not call the StatefulSet's pod")
    print("checked %d manifests" % len(docs))
    finish("deploy/k8s")


def check_containerfile(root):
    path = os.path.join(root, "deploy", "Containerfile")
    lines, current = [], ""
    for raw in open(path).read().splitlines():
        if raw.lstrip().startswith("#"):
            continue
        current += raw.rstrip("\\").strip() + " "
        if not raw.rstrip().endswith("\\"):
            if current.strip():
                lines.append(current.strip())
            current = ""
    stages = []
    for line in lines:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append([])
        elif not stages:
            fail("%s before the first FROM" % instruction)
            continue
        stages[-1].append((instruction, rest))
    if len(stages) < 2:
        fail("the build is not multi-stage (%d FROM)" % len(stages))
        finish("deploy/Containerfile")
    build, final = stages[0], stages[-1]

    def has(stage, instruction, pattern):
        return any(i == instruction and re.search(pattern, rest) for i, rest in stage)

    if not (has(build, "COPY", r"deploy/setup\.sh") and
            has(build, "RUN", r"deploy/setup\.sh --build")):
        fail("the build stage does not install with deploy/setup.sh --build")
    if not has(build, "RUN", r"deploy/build\.sh"):
        fail("the build stage does not build with deploy/build.sh")
    if not has(final, "RUN", r"setup\.sh --runtime"):
        fail("the final stage does not install with deploy/setup.sh --runtime")
    users = [rest for i, rest in final if i == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        fail("the final stage runs as root")
    if not has(final, "HEALTHCHECK", r"timebank.*health"):
        fail("no HEALTHCHECK with `timebank health`")
    if not has(final, "COPY", r"--from=build"):
        fail("the final stage copies nothing from the build stage")
    for instruction, rest in build + final:
        if instruction == "COPY" and "--from" not in rest:
            for source in rest.split()[:-1]:
                if source != "." and not os.path.exists(os.path.join(root, source)):
                    fail("COPY %s: no such file in the repository" % source)
    # The runtime packages are the ones setup.sh lists, and they are real
    # package names on this machine's Debian.
    setup = open(os.path.join(root, "deploy", "setup.sh")).read()
    runtime = re.search(r"runtime_packages=\(([^)]*)\)", setup)
    if runtime is None:
        fail("deploy/setup.sh has no runtime_packages list")
    elif shutil.which("apt-cache"):
        for package in runtime.group(1).split():
            if run(["apt-cache", "show", package]).returncode != 0:
                fail("deploy/setup.sh --runtime names unknown package %s" % package)
    print("checked %d stages, %d instructions" % (len(stages), len(lines)))
    finish("deploy/Containerfile")


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    check, root = argv[1], argv[2]
    argv = [argv[0], argv[1]] + [os.path.abspath(a) for a in argv[2:]]
    if check == "config":
        check_config(root, argv[3])
    elif check == "systemd":
        check_systemd(root, argv[3], argv[4])
    elif check == "manifests":
        check_manifests(root, argv[3])
    elif check == "containerfile":
        check_containerfile(root)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
