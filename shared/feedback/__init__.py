"""好差评 and 办不成事反映 at every tier: the applicant's rating page and the complaint form."""
