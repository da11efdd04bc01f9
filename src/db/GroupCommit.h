#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace Nexus {
namespace Db {

/// Group commit within one process: threads that write an item at the same
/// time share one batch write (one statement, one commit) instead of
/// queueing for a commit (and a log flush) each.
///
/// commit() returns only after its own item is written, or throws what
/// that write threw, so a caller acknowledges nothing that is not durable.
/// The first waiting thread becomes the leader: on its own database
/// connection it writes up to kMaxBatch queued items (its own included)
/// with the batch writer, while the others wait; items that arrive
/// meanwhile form the next batch, written by one of their own threads. If
/// the batch writer throws, the batch's items are written one by one, in
/// the order they were queued, so one bad item cannot fail the others.
///
/// The writers run on the leader's thread and may set result fields of the
/// items they are given (each item's own thread reads them after commit()
/// returns). Item must outlive commit(); the caller keeps ownership.
template <typename Item> class GroupCommit
{
public:
	static constexpr std::size_t kMaxBatch = 64;

	/// Writes every item it is given, all or none (one autocommit statement
	/// or one transaction); throws when it did not write them all. (When a
	/// connection is lost after a commit, the one-by-one writes that follow
	/// repeat a write that did happen: the writers must make that a no-op,
	/// as the audit log's write key does.)
	using BatchWriter = std::function<void(const std::vector<Item*>&)>;
	/// Writes one item; throws when it did not.
	using ItemWriter = std::function<void(Item&)>;

	GroupCommit(BatchWriter writeAll, ItemWriter writeOne):
	    _writeAll(std::move(writeAll)), _writeOne(std::move(writeOne))
	{}
	GroupCommit(const GroupCommit&) = delete;
	GroupCommit& operator=(const GroupCommit&) = delete;
	~GroupCommit() = default;

	/// Writes item with whatever else is waiting; returns once it is written.
	/// Throws what its own write threw (the batch's error for a batch of one,
	/// else the error of its one-by-one write).
	void commit(Item& item)
	{
		Pending mine{&item, false, nullptr};
		std::unique_lock<std::mutex> lock(_mutex);
		_queue.push_back(&mine);
		while (!mine.done)
		{
			if (_writing)
			{
				_written.wait(lock);
				continue;
			}
			// Nobody is writing: this thread writes what is queued, its own item included.
			const std::size_t n = std::min(_queue.size(), kMaxBatch);
			std::vector<Pending*> batch(_queue.begin(), _queue.begin() + static_cast<std::ptrdiff_t>(n));
			_queue.erase(_queue.begin(), _queue.begin() + static_cast<std::ptrdiff_t>(n));
			_writing = true;
			lock.unlock();
			try
			{
				write(batch);
			}
			catch (...)
			{
				// Thrown outside the writers (out of memory): the batch's items
				// without an outcome fail with it, and the batch ends as any
				// other, so the waiting threads go on (one may lead the next).
				for (Pending* p : batch)
					if (!p->error) p->error = std::current_exception();
			}
			lock.lock();
			for (Pending* p : batch) p->done = true;
			_writing = false;
			_written.notify_all();
		}
		if (mine.error) std::rethrow_exception(mine.error);
	}

	/// How many items wait for the next batch (not the one being written).
	std::size_t queued()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _queue.size();
	}

	/// How commit() writes a batch: items with writeAll; if that throws, each
	/// item on its own with writeOne, in order. A batch of one item is not
	/// written twice: it gets what writeAll threw. Returns each item's
	/// outcome, in items' order: nullptr when it was written, else what its
	/// own write threw. Never throws what a writer throws.
	static std::vector<std::exception_ptr> flush(const std::vector<Item*>& items, const BatchWriter& writeAll,
	                                             const ItemWriter& writeOne)
	{
		std::vector<std::exception_ptr> errors(items.size());
		try
		{
			writeAll(items);
			return errors;
		}
		catch (...)
		{
			if (items.size() == 1)
			{
				errors.front() = std::current_exception();
				return errors;
			}
		}
		for (std::size_t i = 0; i < items.size(); ++i)
		{
			try
			{
				writeOne(*items[i]);
			}
			catch (...)
			{
				errors[i] = std::current_exception();
			}
		}
		return errors;
	}

private:
	struct Pending
	{
		Item* item;
		bool done; ///< guarded by _mutex
		std::exception_ptr error;
	};

	/// Writes batch with flush(); records each item's outcome in it. Runs
	/// without the mutex: only the leader touches batch until it sets done.
	void write(std::vector<Pending*>& batch) const
	{
		std::vector<Item*> items;
		items.reserve(batch.size());
		for (const Pending* p : batch) items.push_back(p->item);
		const auto errors = flush(items, _writeAll, _writeOne);
		for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->error = errors[i];
	}

	const BatchWriter _writeAll;
	const ItemWriter _writeOne;
	std::mutex _mutex;
	std::condition_variable _written;
	std::vector<Pending*> _queue; ///< guarded by _mutex
	bool _writing = false;        ///< guarded by _mutex: a leader is writing a batch
};

} // namespace Db
} // namespace Nexus
