// Copies between devices: the host <-> device byte copies of the Backend interface (memcpy on the CPU)
// and copy_across_devices, which stages a contiguous buffer on the host.
#include <cstring>

#include "tensor/backend.h"

namespace muse {

void Backend::copy_from_host(const void* src, const Array& dst) {
  if (dst.numel() > 0) std::memcpy(dst.raw(), src, dst.numel() * element_size(dst.dtype));
}

void Backend::copy_to_host(const Array& src, void* dst) {
  if (src.numel() > 0) std::memcpy(dst, src.raw(), src.numel() * element_size(src.dtype));
}

void copy_across_devices(const Array& src, const Array& dst) {
  if (src.device() == dst.device()) return backend(dst.device()).copy(src, dst);
  if (src.numel() == 0) return;
  Backend& cpu = backend(Device::CPU);
  if (src.device() == Device::CPU) {
    // Host -> device: contiguous (and converted) on the host, then one transfer, then a device copy
    // into dst's strides if it has any.
    Array host = Array::empty(dst.shape, dst.dtype, Device::CPU);
    cpu.copy(src, host);
    Backend& device = backend(dst.device());
    if (dst.is_contiguous()) return device.copy_from_host(host.raw(), dst);
    Array staged = Array::empty(dst.shape, dst.dtype, dst.device());
    device.copy_from_host(host.raw(), staged);
    return device.copy(staged, dst);
  }
  // Device -> host (or device -> device through the host): contiguous on the device, one transfer,
  // then the host copy converts dtype and writes dst's strides.
  Backend& device = backend(src.device());
  Array packed = src;
  if (!src.is_contiguous()) {
    packed = Array::empty(src.shape, src.dtype, src.device());
    device.copy(src, packed);
  }
  Array host = Array::empty(src.shape, src.dtype, Device::CPU);
  device.copy_to_host(packed, host.raw());
  copy_across_devices(host, dst);
}

}  // namespace muse
