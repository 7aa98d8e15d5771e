"""factory_boy factories for the marketplace's models."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone

from marketplace.models import Booking, Category, Offer, User, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"shopper{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")
    home_postcode = "69003"
    home_city = "Lyon"
    home_latitude = 45.7533
    home_longitude = 4.8694

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class CategoryFactory(factory.django.DjangoModelFactory):
    """Categories come from a data migration; this reuses them by slug."""

    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = "live-music"
    name = factory.LazyAttribute(lambda category: category.slug.replace("-", " ").capitalize())


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Salle {n}")
    address = "1 place Bellecour"
    postcode = "69002"
    city = "Lyon"
    latitude = 45.7578
    longitude = 4.8320


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    title = factory.Sequence(lambda n: f"Concert {n}")
    description = "An evening of music."
    category = factory.SubFactory(CategoryFactory)
    venue = factory.SubFactory(VenueFactory)
    price = Decimal("15.00")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    stock = 50


class DigitalOfferFactory(OfferFactory):
    category = factory.SubFactory(CategoryFactory, slug="films-series")
    venue = None
    url = "https://stream.example.org/film"
    starts_at = None
    stock = None


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    user = factory.SubFactory(UserFactory)
    offer = factory.SubFactory(OfferFactory)
    quantity = 1
    amount = factory.LazyAttribute(lambda booking: booking.offer.price * booking.quantity)

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Booking:
        """A booking that holds places counts them on its offer, as `booking_create` does."""
        booking = super()._create(model_class, *args, **kwargs)
        if booking.status != Booking.Status.CANCELLED:
            Offer.objects.filter(pk=booking.offer_id).update(
                booked_quantity=F("booked_quantity") + booking.quantity
            )
            booking.offer.refresh_from_db(fields=["booked_quantity"])
        return booking
