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
# The Vulkan loader (Dawn dlopens libvulkan.so.1); gpu.sh uses it only where the GPU machine lacks one.
if ! ls .device/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd .device && apt-get download libvulkan1 >/dev/null 2>&1) || echo "note: apt-get download libvulkan1 failed; gpu.sh will need the machine's own loader" >&2
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
if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  deb="$(ls "$here"/libvulkan1_*.deb 2>/dev/null | head -1)"
  if [ -n "$deb" ]; then
    if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$w/vk"; else mkdir -p "$w/vk" && (cd "$w/vk" && ar x "$deb" && tar -xf data.tar.*); fi
    export LD_LIBRARY_PATH="$(dirname "$(find "$w/vk" -name 'libvulkan.so.1*' | head -1)")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "Vulkan loader: carried ($LD_LIBRARY_PATH)"
  fi
fi
# The NVIDIA driver's Vulkan ICD, where a container mounts the driver outside the loader's search path.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"; echo "Vulkan ICD: $icd"; break; fi
done
timeout "${BENCH_TIMEOUT:-420}" ./node gpu-bench.mjs "$@" 2>&1 | tee "${OUT:-/tmp}/${BENCH_OUT:-gpu-bench.md}"
rc=${PIPESTATUS[0]}
if [ "$rc" = 2 ]; then # no adapter: say why
  ls -l /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1 | head -20
  VK_LOADER_DEBUG=error,warn timeout 60 ./node gpu-bench.mjs --quick --reps=1 --only=RelaxSwapLayer 2>&1 | head -40
fi
exit "$rc"
SH
chmod +x .device/gpu.sh
du -sh .device
