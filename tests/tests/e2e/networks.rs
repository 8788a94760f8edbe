//! Networks, network members and invitations.
