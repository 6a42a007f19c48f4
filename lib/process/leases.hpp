#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "process/clock.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::process {

// Room left between the end of the longest step and the end of a row's lease, for the
// clocks of this host and the database's.
inline constexpr auto k_lease_margin = std::chrono::seconds(1);

// The leases of the rows a batch holds. Each runs at least `lease` from the batch's last
// renewal of them all (or the claim; a mark only lengthens its row's).
class LeaseTimer {
public:
    explicit LeaseTimer(Seconds lease = Seconds(0)) : m_lease(lease) {}

    // The leases were renewed (or taken by the claim) at `at`: the time just before the
    // statement went out.
    void renewed(Clock::time_point at) { m_last = at; }

    // Rows waiting their turn keep their leases while the batch is long: a renewal is
    // due a third of the lease after the last.
    bool renewal_due(Clock::time_point now) const { return now - m_last >= m_lease / 3; }

    // Whether every lease outlasts a step of up to `step` starting now (a send:
    // config::Config::longest_send(); the content generator: content.timeout), with
    // k_lease_margin to spare; else they must be renewed first.
    bool covers(Clock::time_point now, Clock::duration step) const {
        return now + step + k_lease_margin <= m_last + m_lease;
    }

private:
    Seconds m_lease;
    Clock::time_point m_last;
};

// Keeps the leases of the rows a batch holds for as long as it works on them, so that no
// run takes a row for abandoned while this one still works on it: rows waiting their
// turn are renewed every third of a lease (renew_if_due()), and before a long step
// (cover()) when a lease could end within it. A dry run holds no lease.
class LeaseKeeper {
public:
    // Renews the leases of every row the run holds for the company; the ids renewed.
    using Renew = std::function<std::vector<Uuid>()>;

    LeaseKeeper(Clock& clock, Seconds lease, bool dry_run, Renew renew)
        : m_clock(clock), m_timer(lease), m_dry_run(dry_run), m_renew(std::move(renew)) {}

    // The claim took the leases at `at`.
    void claimed(Clock::time_point at) { m_timer.renewed(at); }

    void renew_if_due();

    // Before a step that may take up to `step` (a send: config::Config::longest_send();
    // the content generator: content.timeout): a row marked ahead waits through the
    // message before it and the next row's content generation.
    void cover(Clock::duration step);

    // Whether the row is still this run's: a renewal takes only the rows still
    // 'processing' and claimed by this run, so a row missing from the last one was taken
    // back by another run while this one was held up past the lease (stopped, starved of
    // CPU), and must not be sent here. Without a renewal since the claim, every row is.
    bool still_held(const Uuid& row) const;

private:
    void renew();

    Clock& m_clock;
    LeaseTimer m_timer;
    bool m_dry_run;
    Renew m_renew;
    std::optional<std::vector<Uuid>> m_held_at_renewal; // sorted
};

} // namespace eq::process
