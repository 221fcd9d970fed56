#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for a GPU machine that has no Node.js and no network:
# an xz copy of this machine's node binary, the `webgpu` package (linux-x64 Dawn only), the bundled
# benchmark and gpu.sh, which unpacks them there and prints the table. Then, on the device tool:
#   run(command: "bash .device/gpu.sh", carry: [".device"])
set -euo pipefail
cd "$(dirname "$0")/../../.."
mkdir -p .device
pnpm --filter @relax/bench build:device >/dev/null
cp apps/bench/dist/gpu-bench.mjs .device/
[ -f .device/node.xz ] || xz -6 -T1 < "$(readlink -f "$(command -v node)")" > .device/node.xz
if [ ! -f .device/webgpu.tar.xz ]; then
  stage="$(mktemp -d)"; mkdir -p "$stage/node_modules"
  cp -r "$(readlink -f apps/bench/node_modules/webgpu)" "$stage/node_modules/webgpu"
  find "$stage/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 -type d ! -name linux-x64 -exec rm -rf {} +
  tar -C "$stage" -cJf .device/webgpu.tar.xz node_modules && rm -rf "$stage"
fi
cat > .device/gpu.sh <<'SH'
#!/usr/bin/env bash
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; w=/tmp/relax-gpu; rm -rf "$w"; mkdir -p "$w"
unxz() { if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c "import lzma,sys;sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())" "$1"; fi; }
unxz "$here/node.xz" > "$w/node" && chmod +x "$w/node"
unxz "$here/webgpu.tar.xz" | tar -xf - -C "$w"
cp "$here/gpu-bench.mjs" "$w/" && cd "$w"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
timeout "${BENCH_TIMEOUT:-420}" ./node gpu-bench.mjs "$@" 2>&1 | tee "${OUT:-/tmp}/gpu-bench.md"
SH
chmod +x .device/gpu.sh
du -sh .device
