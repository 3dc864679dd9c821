//! The signals of the rubric, one file each: what a site shows of its hiring, pricing,
//! blog, customers, funding, team size, technology and social profiles, each with its
//! evidence and the points it earns.

mod blog;
mod customers;
mod funding;
mod hiring;
mod pricing;
mod social;
mod team;
mod technology;

use blog::Blog;
use customers::Customers;
use funding::Funding;
use hiring::Hiring;
use pricing::Pricing;
use social::Social;
use team::Team;
use technology::Technology;

use super::dates::Date;
use super::pages::Site;
use crate::types::Signal;

pub(super) use hiring::looks_like_job_title;
#[cfg(test)]
pub(super) use {funding::money, team::team_in};

/// The signals a site shows, in the rubric's order, and the points they earn together.
pub(super) fn find(site: &Site<'_>, today: Date) -> (u32, Vec<Signal>) {
    let hiring = site.hiring();
    let pricing = site.pricing();
    let blog = site.blog(today);
    let customers = site.customers();
    let funding = site.funding();
    let team = site.team_size();
    let technology = site.technology();
    let social = site.social();

    let mut points = 0u32;
    points += hiring.as_ref().map_or(0, Hiring::points);
    points += pricing.as_ref().map_or(0, Pricing::points);
    points += blog.as_ref().map_or(0, Blog::points);
    points += customers.as_ref().map_or(0, Customers::points);
    points += funding.as_ref().map_or(0, Funding::points);
    points += team.as_ref().map_or(0, Team::points);
    points += technology.as_ref().map_or(0, Technology::points);
    points += social.as_ref().map_or(0, Social::points);

    let signals: Vec<Signal> = [
        hiring.map(Hiring::signal),
        pricing.map(Pricing::signal),
        blog.map(Blog::signal),
        customers.map(Customers::signal),
        funding.map(Funding::signal),
        team.map(Team::signal),
        technology.map(Technology::signal),
        social.map(Social::signal),
    ]
    .into_iter()
    .flatten()
    .collect();
    (points, signals)
}
