//! Account administration as the command line does it: add, list, disable and
//! enable users; create, list and revoke API tokens. Each is an
//! [`AdminRequest`] run against a store ([`execute`]), on the database directly
//! or, while `hotspots serve` holds the database, by the server over a local
//! socket beside it ([`socket_path`], [`request`], [`listen`]).
//!
//! The socket is a Unix domain socket made with mode 0600 in the database's
//! directory: whoever may use it could as well stop the server and open the
//! database file, so it grants nothing new.

mod operations;
mod socket;

pub use operations::{add_user, execute, AdminError, AdminRequest};
pub use socket::{listen, request, socket_path, SocketGuard};
