"""Serializers that describe a doctor, for every API endpoint that shows one."""

from rest_framework import serializers

from doctors.models import Doctor, Site, VisitType


class DoctorRefSerializer(serializers.ModelSerializer):
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    specialty = serializers.CharField(source="specialty.name", read_only=True)

    class Meta:
        model = Doctor
        fields = ["id", "first_name", "last_name", "specialty"]
        read_only_fields = fields


class VisitTypeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitType
        fields = ["id", "name"]
        read_only_fields = fields


class SiteRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "address", "phone"]
        read_only_fields = fields
