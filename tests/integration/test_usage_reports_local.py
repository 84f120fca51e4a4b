"""Service agreements and usage reports against the local cloud over real HTTP: a report is
made, waited for, and downloaded from its link on another origin without the token."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import anyio
import pytest

from aioparticle import NotFoundError, ParticleClient, PollTimeoutError
from aioparticle.testing import LocalCloud

pytestmark = pytest.mark.anyio


async def test_a_usage_report_is_made_waited_for_and_downloaded_without_the_token(
    cloud: LocalCloud, sdk: ParticleClient, sleeps: list[float], tmp_path: Path
) -> None:
    cloud.usage_report_polls = 3
    garage = cloud.add_device("garage")
    with anyio.fail_after(5):
        (agreement,) = await sdk.service_agreements.list()
        assert (agreement.owner_type, agreement.state) == ("User", "active")
        assert agreement.current_usage_summary["connectivity"]["all"]["owned_devices"] == 1

        report = await sdk.service_agreements.usage_reports.create(
            agreement.id,
            report_type="devices",
            start=date(2024, 1, 1),
            end=date(2024, 1, 31),
            devices=[garage.id],
        )
        assert (report.state, report.download_url) == ("pending", None)
        assert report.created_at is not None  # sent as "YYYY-MM-DD HH:MM:SS +0000"

        states: list[str | None] = []
        done = await sdk.service_agreements.usage_reports.wait(
            report.id, interval=3, on_progress=lambda r: states.append(r.state)
        )
        assert states == ["pending", "pending", "available"]
        assert sleeps == [3.0, 3.0]
        assert done.download_url is not None
        assert not done.download_url.startswith(cloud.url)  # another origin

        data = await sdk.service_agreements.usage_reports.download(done)
        assert data.splitlines() == [
            b"device_id,date_period_start,date_period_end,data_operations",
            f"{garage.id},2024-01-01,2024-01-31,0".encode(),
        ]
        path = await sdk.service_agreements.usage_reports.download(
            int(report.id), to=tmp_path / "usage.csv"
        )
        assert path.read_bytes() == data
    # no Authorization header reached the file's route
    assert [auth for _, auth in cloud.usage_report_downloads] == [None, None]


async def test_org_reports_and_notifications(cloud: LocalCloud, sdk: ParticleClient) -> None:
    cloud.add_org("acme-corp")
    with anyio.fail_after(5):
        (agreement,) = await sdk.service_agreements.list(org="acme-corp")
        assert agreement.owner_type == "Organization"
        cloud.add_service_agreement_notification(
            cloud.service_agreements[int(agreement.id)], "reached_90_percent_usage"
        )
        (note,) = await sdk.service_agreements.list_notifications(agreement.id, org="acme-corp")
        assert (note.event_name, note.resource_type) == (
            "reached_90_percent_usage",
            "ServiceAgreement",
        )
        assert note.resource_id == int(agreement.id)

        report = await sdk.service_agreements.usage_reports.create(
            agreement.id,
            report_type="products",
            start="2024-02-01",
            end="2024-02-29",
            org="acme-corp",
        )
        # an organization's report is not the user's
        with pytest.raises(NotFoundError):
            await sdk.service_agreements.usage_reports.get(report.id)
        cloud.usage_report_polls = 5
        with pytest.raises(PollTimeoutError) as caught:
            await sdk.service_agreements.usage_reports.wait(
                report.id, org="acme-corp", interval=1, deadline=1
            )
        last = caught.value.last
        assert last is not None and last.state == "pending"  # after 1 / 1 + 1 polls
        done = await sdk.service_agreements.usage_reports.wait(report.id, org="acme-corp")
        assert done.state == "available"
        assert cloud.usage_reports[int(report.id)].reads == 5
