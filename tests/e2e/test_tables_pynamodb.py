"""pynamodb, a widely used model library, against the table service."""
import pytest

pynamodb = pytest.importorskip("pynamodb")
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute  # noqa: E402
from pynamodb.exceptions import PutError  # noqa: E402
from pynamodb.models import Model  # noqa: E402

from tables_helpers import unique  # noqa: E402


def make_model(endpoint):
    class Bird(Model):
        class Meta:
            table_name = unique("birds")
            host = endpoint
            region = "us-east-1"
            aws_access_key_id = "test"
            aws_secret_access_key = "test"
            billing_mode = "PAY_PER_REQUEST"

        species = UnicodeAttribute(hash_key=True)
        ring = NumberAttribute(range_key=True)
        name = UnicodeAttribute(null=True)
        sightings = NumberAttribute(default=0)
        places = UnicodeSetAttribute(null=True)

    return Bird


def test_pynamodb_model_lifecycle(petrel):
    Bird = make_model(petrel.endpoint)
    Bird.create_table(wait=True)
    for i in range(5):
        Bird("petrel", i, name=f"p{i}", places={"north"}).save()
    b = Bird.get("petrel", 3)
    assert b.name == "p3" and b.places == {"north"}
    b.update(actions=[Bird.sightings.add(2), Bird.places.add({"south"})])
    b.refresh()
    assert b.sightings == 2 and b.places == {"north", "south"}
    assert [x.ring for x in Bird.query("petrel", Bird.ring >= 2)] == [2, 3, 4]
    assert Bird.count("petrel", filter_condition=Bird.name.startswith("p")) == 5
    with pytest.raises(PutError):
        Bird("petrel", 1).save(condition=Bird.species.does_not_exist())
    Bird.get("petrel", 0).delete()
    assert len(list(Bird.scan())) == 4
    Bird.delete_table()
