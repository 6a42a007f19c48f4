#include "process/fault_point.hpp"

namespace eq::process {

namespace detail {
FaultHook g_fault_hook = nullptr;
}

void set_fault_hook(FaultHook hook) {
    detail::g_fault_hook = hook;
}

} // namespace eq::process
