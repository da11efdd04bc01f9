#include "metrics/PoolStats.h"

#include "util/FileDescriptor.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace Nexus {

namespace {

const std::uint64_t kMagic = 0x4e65787573537434ULL; // "NexusSt4" (4: statement evictions per slot)

std::runtime_error systemError(const std::string& what)
{
	return std::runtime_error("pool stats: " + what + ": " + std::strerror(errno));
}

} // namespace

struct PoolStats::Layout
{
	Header header;
	Slot slots[kSlots];
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared counters need lock-free 64-bit atomics");

PoolStats::PoolStats(int fd, void* base): _fd(fd), _base(base) {}

PoolStats PoolStats::create()
{
	FileDescriptor fd(::memfd_create("nexus-pool-stats", 0)); // no MFD_CLOEXEC: workers inherit it
	if (!fd.valid()) throw systemError("memfd_create");
	if (::ftruncate(fd.get(), sizeof(Layout)) != 0) throw systemError("ftruncate");
	void* base = ::mmap(nullptr, sizeof(Layout), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	if (base == MAP_FAILED) throw systemError("mmap");
	PoolStats stats(fd.release(), base);
	stats.header().magic.store(kMagic);
	return stats;
}

PoolStats PoolStats::attach(int fd)
{
	struct stat st;
	if (::fstat(fd, &st) != 0) throw systemError("fstat");
	if (static_cast<std::size_t>(st.st_size) != sizeof(Layout))
		throw std::runtime_error("pool stats: the shared mapping has the wrong size (a master of another version?)");
	void* base = ::mmap(nullptr, sizeof(Layout), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) throw systemError("mmap");
	PoolStats stats(fd, base);
	if (stats.header().magic.load() != kMagic) throw std::runtime_error("pool stats: the shared mapping is not ours");
	return stats;
}

PoolStats::PoolStats(PoolStats&& other) noexcept: _fd(other._fd), _base(other._base)
{
	other._fd = -1;
	other._base = nullptr;
}

PoolStats& PoolStats::operator=(PoolStats&& other) noexcept
{
	if (this != &other)
	{
		this->~PoolStats();
		_fd = other._fd;
		_base = other._base;
		other._fd = -1;
		other._base = nullptr;
	}
	return *this;
}

PoolStats::~PoolStats()
{
	if (_base) ::munmap(_base, sizeof(Layout));
	if (_fd >= 0) ::close(_fd);
}

PoolStats::Header& PoolStats::header() const
{
	return static_cast<Layout*>(_base)->header;
}

PoolStats::Slot& PoolStats::slot(std::size_t index) const
{
	return static_cast<Layout*>(_base)->slots[index];
}

std::size_t PoolStats::acquire(std::int64_t pid)
{
	if (!valid()) return kSlots;
	for (std::size_t i = 0; i < kSlots; ++i)
	{
		Slot& s = slot(i);
		if (s.pid.load() != 0) continue;
		s.pid.store(pid);
		s.requests.store(0);
		s.inFlight.store(0);
		return i;
	}
	return kSlots;
}

void PoolStats::release(std::size_t index)
{
	if (index >= kSlots || !valid()) return;
	Slot& s = slot(index);
	s.inFlight.store(0); // requests a killed worker had in hand are not in flight any more
	s.requests.store(0);
	s.startedMs.store(0);
	s.pid.store(0);
}

std::size_t PoolStats::liveWorkers() const
{
	std::size_t live = 0;
	if (!valid()) return live;
	for (std::size_t i = 0; i < kSlots; ++i) live += slot(i).pid.load() > 0;
	return live;
}

std::uint64_t PoolStats::requestsServed() const
{
	std::uint64_t served = 0;
	if (!valid()) return served;
	for (std::size_t i = 0; i < kSlots; ++i)
		for (const auto& route : slot(i).routes)
			for (const auto& n : route.byStatus) served += n.load(std::memory_order_relaxed);
	return served;
}

std::size_t PoolStats::statusIndex(int status)
{
	for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i)
		if (kStatuses[i] == status) return i;
	return kStatuses.size() - 1;
}

std::size_t PoolStats::bucketIndex(std::uint64_t micros)
{
	const double seconds = static_cast<double>(micros) / 1e6;
	for (std::size_t i = 0; i < kBounds.size(); ++i)
		if (seconds <= kBounds[i]) return i;
	return kBounds.size();
}

} // namespace Nexus
