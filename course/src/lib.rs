//! What the course teaches, with no AWS dependency: the learner's language and [`tr!`]
//! ([`text`]), the facts table ([`facts`]) and the lab manifest ([`manifest`]). `common`
//! re-exports all three, so labs write `common::text`, `common::facts` and `common::tr!` as
//! before; the quiz depends on this crate alone and so compiles none of the AWS SDK.

pub mod facts;
pub mod manifest;
pub mod text;
