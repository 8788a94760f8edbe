//! The kinds of email a person may turn off in their notification
//! preferences. Notices about their own account, applications,
//! memberships, matches and meetings cannot be turned off: they are how the
//! service tells them what happened to them.
crate::closed_set!(
    /// A kind of optional email: `bulletin`, the network's digest of
    /// upcoming meetings and CoPs open to join (docs/governance.md).
    NotificationTopic { Bulletin => "bulletin" }
);
